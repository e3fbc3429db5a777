using Bunit;
using Siem.Domain.Incidents;
using Siem.Web.Identity;
using Siem.Web.Persistence;

namespace Siem.Web.Tests.Components;

public sealed class IncidentsPageTests : ComponentTestContext
{
    private async Task<long> AnIncidentAsync()
    {
        await using var db = Db();
        var incident = new Incident
        {
            Label = "neptune", Category = "dos", Severity = IncidentSeverity.High, MitreTechnique = "T1499", DstHost = "10.0.0.9",
            AlertCount = 20, Status = IncidentStatus.Open, FirstSeenMs = 60_000, LastSeenMs = 120_000, CreatedUtc = DateTime.UtcNow, UpdatedUtc = DateTime.UtcNow,
        };
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();
        return incident.Id;
    }

    [Fact]
    public async Task An_analyst_acknowledges_with_a_note_and_sees_the_audit_entry()
    {
        Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);
        await AnIncidentAsync();

        var cut = Render<Siem.Web.Components.Pages.Incidents>();
        cut.WaitForAssertion(() => Assert.Contains("neptune", cut.Find("[data-testid=incidents]").TextContent));
        await cut.InvokeAsync(() => cut.Find("[data-testid=incidents] tbody tr").Click());
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=acknowledge]")));
        cut.Find("#incident-note").Change("looking into the SYN flood");
        await cut.InvokeAsync(() => cut.Find("[data-testid=acknowledge]").Click());

        cut.WaitForAssertion(() => Assert.Equal("Acknowledged", cut.Find("[data-testid=incident-status]").TextContent));
        var audit = cut.Find("[data-testid=audit]").TextContent;
        Assert.Contains("analyst@test", audit);
        Assert.Contains("Open -> Acknowledged", audit);
        Assert.Contains("looking into the SYN flood", audit);
    }

    [Fact]
    public async Task A_viewer_sees_the_incident_but_no_action_buttons()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        await AnIncidentAsync();

        var cut = Render<Siem.Web.Components.Pages.Incidents>();
        cut.WaitForAssertion(() => Assert.Contains("neptune", cut.Find("[data-testid=incidents]").TextContent));
        await cut.InvokeAsync(() => cut.Find("[data-testid=incidents] tbody tr").Click());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=incident-detail]")));
        Assert.Empty(cut.FindAll("[data-testid=incident-actions]"));
        Assert.Empty(cut.FindAll("[data-testid=acknowledge]"));
    }

    [Fact]
    public async Task Without_filters_every_incident_is_listed()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        await AnIncidentAsync();
        await using (var db = Db())
        {
            db.Incidents.Add(new Incident { Label = "satan", Category = "probe", Severity = IncidentSeverity.Medium, Status = IncidentStatus.Resolved, Resolution = IncidentResolution.Benign, FirstSeenMs = 1, LastSeenMs = 2 });
            await db.SaveChangesAsync();
        }

        var cut = Render<Siem.Web.Components.Pages.Incidents>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=incidents] tbody tr").Count));
        Assert.Contains("satan", cut.Markup);
    }
}
