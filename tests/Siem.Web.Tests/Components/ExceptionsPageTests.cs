using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Siem.Domain.Incidents;
using Siem.Store.Exceptions;
using Siem.Store.Identity;
using Siem.Store.Persistence;

namespace Siem.Web.Tests.Components;

/// <summary>The exception flow in components: create one from an incident's detail, see it listed with its suppressed count.</summary>
public sealed class ExceptionsPageTests : ComponentTestContext
{
    [Fact]
    public async Task An_analyst_creates_an_exception_from_an_incident_and_the_exceptions_page_lists_it()
    {
        Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);
        await using (var db = Db())
        {
            db.Incidents.Add(new Incident
            {
                Label = "satan",
                Category = "probe",
                Severity = IncidentSeverity.Medium,
                DstHost = "10.0.0.3",
                AlertCount = 9,
                Risk = 54,
                OpenReason = "risk 54 within 10 min (>= 40); satan 9 alerts (risk 54)",
                Status = IncidentStatus.Open,
                FirstSeenMs = 1,
                LastSeenMs = 2,
            });
            await db.SaveChangesAsync();
        }

        var incidents = Render<Siem.Web.Components.Pages.Incidents>();
        incidents.WaitForAssertion(() => Assert.Single(incidents.FindAll("[data-testid=incidents] tbody tr")));
        await incidents.InvokeAsync(() => incidents.Find("[data-testid=incidents] tbody tr").Click());
        incidents.WaitForAssertion(() => Assert.Contains("risk 54 within 10 min", incidents.Find("[data-testid=incident-reason]").TextContent));
        await incidents.InvokeAsync(() => incidents.Find("[data-testid=offer-exception]").Click());
        incidents.WaitForAssertion(() => Assert.Contains("dst host: 10.0.0.3", incidents.Find("[data-testid=exception-conditions]").TextContent));
        incidents.Find("#exception-reason").Input("our vulnerability scanner");
        await incidents.InvokeAsync(() => incidents.Find("[data-testid=create-exception]").Click());
        incidents.WaitForAssertion(() => Assert.Empty(incidents.FindAll("[data-testid=add-exception]")));

        var created = Assert.Single(await Services.GetRequiredService<ExceptionService>().ListAsync());
        Assert.Equal(("satan", "10.0.0.3", "our vulnerability scanner", "analyst@test"), (created.Label, created.DstHost, created.Reason, created.CreatedBy));
        var page = Render<Siem.Web.Components.Pages.Exceptions>();
        page.WaitForAssertion(() => Assert.Contains("our vulnerability scanner", page.Find($"[data-testid=exception-{created.Id}]").TextContent));
        Assert.Equal("0", page.Find("[data-testid=suppressed-count]").TextContent);
        Assert.Contains("Disable", page.Markup);
    }

    [Fact]
    public async Task A_viewer_sees_exceptions_but_cannot_change_them()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        await Services.GetRequiredService<ExceptionService>().CreateAsync(new ExceptionInput("unknown", "10.0.0.4", null, "http", 8080, null, "our intranet portal"), "admin@test");

        var page = Render<Siem.Web.Components.Pages.Exceptions>();

        page.WaitForAssertion(() => Assert.Contains("label unknown, dst host 10.0.0.4, service http, port 8080", page.Find("[data-testid=exceptions]").TextContent));
        Assert.DoesNotContain("Disable", page.Markup);
        Assert.DoesNotContain("Delete", page.Markup);
    }

    [Fact]
    public async Task An_analyst_adds_an_exception_from_an_alert_in_the_explorer()
    {
        Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);
        var alert = new Siem.Store.Events.EventView(7, DateTimeOffset.UnixEpoch, "unknown", "probe", 0.96f, Unknown: true, IsAlert: true, "tcp", "http", "SF", 200, 600,
            "10.0.0.50", "10.0.0.5", 41000, 8080, null, 1, 7, ClosestLabel: "normal");
        var detail = new Siem.Store.Events.EventDetail(alert, [], []);

        var cut = Render<Siem.Web.Components.Events.EventDetailPanel>(p => p.Add(x => x.Detail, detail));
        Assert.Contains("unknown (closest to normal, 96.0 %)", cut.Markup);
        await cut.InvokeAsync(() => cut.Find("[data-testid=event-offer-exception]").Click());
        await cut.InvokeAsync(() => cut.Find("[data-testid=condition-src\\ host] .mud-chip-close-button").Click());
        cut.Find("#exception-reason").Input("the intranet portal");
        await cut.InvokeAsync(() => cut.Find("[data-testid=create-exception]").Click());

        var created = Assert.Single(await Services.GetRequiredService<ExceptionService>().ListAsync());
        Assert.Equal("label unknown, dst host 10.0.0.5, service http, port 8080, protocol tcp", created.Conditions);
    }
}
