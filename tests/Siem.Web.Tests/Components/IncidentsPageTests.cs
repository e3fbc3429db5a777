using Bunit;
using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.Web.Identity;

namespace Siem.Web.Tests.Components;

public sealed class IncidentsPageTests : ComponentTestContext
{
    private async Task<long> AnIncidentAsync()
    {
        await using var db = Db();
        var incident = new Incident
        {
            Label = "neptune",
            Category = "dos",
            Severity = IncidentSeverity.High,
            MitreTechnique = "T1499",
            DstHost = "10.0.0.9",
            AlertCount = 20,
            Status = IncidentStatus.Open,
            FirstSeenMs = 60_000,
            LastSeenMs = 120_000,
            CreatedUtc = DateTime.UtcNow,
            UpdatedUtc = DateTime.UtcNow,
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

    [Fact]
    public async Task Resolving_all_matching_touches_only_the_incidents_active_in_the_chosen_range()
    {
        Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var db = Db())
        {
            db.Incidents.Add(new Incident { Label = "smurf", Category = "dos", Severity = IncidentSeverity.High, Status = IncidentStatus.Open, FirstSeenMs = now - 600_000, LastSeenMs = now - 60_000 });
            db.Incidents.Add(new Incident { Label = "satan", Category = "probe", Severity = IncidentSeverity.Medium, Status = IncidentStatus.Open, FirstSeenMs = now - 3 * 86_400_000L, LastSeenMs = now - 2 * 86_400_000L });
            await db.SaveChangesAsync();
        }

        var cut = Render<Siem.Web.Components.Pages.Incidents>();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=incidents] tbody tr").Count));
        await cut.InvokeAsync(() => cut.FindComponents<MudBlazor.MudSelect<string>>().Single(c => c.Instance.Label == "Active").Instance.SelectOption("24h"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=apply-filters]").Click());
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=incidents] tbody tr")));

        // Resolving needs a reason: without one nothing changes.
        await cut.InvokeAsync(() => cut.Find("[data-testid=resolve-matching]").Click());
        await using (var db = Db())
        {
            Assert.All(db.Incidents, i => Assert.Equal(IncidentStatus.Open, i.Status));
        }

        await cut.InvokeAsync(() => cut.FindComponents<MudBlazor.MudSelect<IncidentResolution?>>().Single(c => c.Instance.Label == "Reason (resolve, close)").Instance.SelectOption(IncidentResolution.TruePositive));
        await cut.InvokeAsync(() => cut.Find("[data-testid=resolve-matching]").Click());

        await using var check = Db();
        Assert.Equal(IncidentStatus.Resolved, check.Incidents.Single(i => i.Label == "smurf").Status);
        Assert.Equal(IncidentResolution.TruePositive, check.Incidents.Single(i => i.Label == "smurf").Resolution);
        Assert.Equal(IncidentStatus.Open, check.Incidents.Single(i => i.Label == "satan").Status); // outside the range: untouched
    }

    [Fact]
    public async Task The_detail_shows_the_alerts_over_time_and_the_first_events()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        await AnIncidentAsync(); // neptune on 10.0.0.9, 60 s to 120 s
        await using (var db = Db())
        {
            db.Jobs.Add(new IngestJob { Id = 1, FileName = "f", StoredPath = "f", CreatedBy = "t" });
            for (var i = 0; i < 20; i++)
            {
                db.Events.Add(new SecurityEvent
                {
                    JobId = 1,
                    Line = i + 1,
                    TimeMs = 60_000 + i * 3_000,
                    Label = "neptune",
                    Category = "dos",
                    Confidence = 0.99f,
                    IsAlert = true,
                    Connection = Siem.TestSupport.KddFixtures.SynFlood(i) with { DstIp = System.Net.IPAddress.Parse("10.0.0.9") },
                });
            }

            db.Rollups.Add(new RollupMinute { Minute = 1, Label = "neptune", Category = "dos", Count = 20, Alerts = 20 });
            await db.SaveChangesAsync();
        }

        var cut = Render<Siem.Web.Components.Pages.Incidents>();
        cut.WaitForAssertion(() => Assert.Contains("neptune", cut.Find("[data-testid=incidents]").TextContent));
        await cut.InvokeAsync(() => cut.Find("[data-testid=incidents] tbody tr").Click());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=incident-activity]")));
        Assert.Equal(10, cut.FindAll("[data-testid=incident-samples] tbody tr").Count);
        Assert.Contains("1970-01-01 00:01:00", cut.Find("[data-testid=incident-samples] tbody tr").TextContent);
        Assert.Contains("10.0.0.9", cut.Find("[data-testid=incident-samples]").TextContent);
        Assert.Contains("Alerts per 5 s", cut.Markup); // a one-minute incident: at most 60 points, so 5-second ones
    }

    [Fact]
    public async Task Severity_sorts_by_meaning_and_a_note_can_be_added_on_its_own()
    {
        Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);
        await using (var db = Db())
        {
            foreach (var (label, severity) in new[] { ("satan", IncidentSeverity.Medium), ("rootkit", IncidentSeverity.Critical), ("neptune", IncidentSeverity.High) })
            {
                db.Incidents.Add(new Incident { Label = label, Category = "x", Severity = severity, Status = IncidentStatus.Open, FirstSeenMs = 1, LastSeenMs = 2 });
            }

            await db.SaveChangesAsync();
            var sorted = await Siem.Store.Incidents.IncidentQueries.Sort(db.Incidents, Siem.Store.Incidents.IncidentSortColumn.Severity, descending: true).Select(i => i.Label).ToListAsync();
            Assert.Equal(["rootkit", "neptune", "satan"], sorted);
        }

        var cut = Render<Siem.Web.Components.Pages.Incidents>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=incidents] tbody tr").Count));
        await cut.InvokeAsync(() => cut.FindAll("[data-testid=incidents] tbody tr")[0].Click());
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=add-note]")));
        cut.Find("#incident-note").Change("checked the proxy logs: nothing left the host");
        await cut.InvokeAsync(() => cut.Find("[data-testid=add-note]").Click());

        cut.WaitForAssertion(() => Assert.Contains("checked the proxy logs", cut.Find("[data-testid=notes]").TextContent));
        Assert.Contains("Noted", cut.Find("[data-testid=audit]").TextContent);
        Assert.Contains("Open", cut.Find("[data-testid=incident-status]").TextContent); // a note changes no status
    }
}
