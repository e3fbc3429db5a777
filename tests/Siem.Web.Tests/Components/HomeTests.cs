using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Siem.Domain.Incidents;
using Siem.Store.Identity;
using Siem.Store.Live;
using Siem.Store.Persistence;
using Siem.Web.Components.Pages;
using Siem.Web.Identity;
using Siem.Web.Live;

namespace Siem.Web.Tests.Components;

public sealed class HomeTests : ComponentTestContext
{
    private static readonly string[] MostSevereFirst = ["rootkit", "neptune", "satan", "ipsweep"];

    [Fact]
    public void Empty_store_says_what_to_do_next()
    {
        Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);

        var cut = Render<Home>();

        cut.WaitForAssertion(() => Assert.Contains("No events yet: upload a capture", cut.Find("[data-testid=no-incidents]").TextContent));
        Assert.Equal("0", cut.Find("[data-testid=total-events]").TextContent);
        Assert.Contains("seed --events 100000", cut.Find("[data-testid=first-run]").TextContent); // the first run points to sample data
        Assert.Contains("Upload a capture", cut.Markup);
    }

    [Fact]
    public async Task Totals_come_from_the_rollups_and_move_with_live_updates()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        await using (var db = Db())
        {
            db.Rollups.AddRange(
                new RollupMinute { Minute = 1, Label = "normal", Category = "normal", Count = 5 },
                new RollupMinute { Minute = 1, Label = "neptune", Category = "dos", Count = 7, Alerts = 7 });
            db.Incidents.Add(new Incident { Label = "neptune", Category = "dos", Severity = IncidentSeverity.High, DstHost = "10.0.0.9", AlertCount = 7, Status = IncidentStatus.Open, FirstSeenMs = 60_000, LastSeenMs = 61_000 });
            await db.SaveChangesAsync();
        }

        var cut = Render<Home>();
        cut.WaitForAssertion(() => Assert.Equal("12", cut.Find("[data-testid=total-events]").TextContent));
        Assert.Equal("7", cut.Find("[data-testid=total-dos]").TextContent);
        Assert.Contains("10.0.0.9", cut.Find("[data-testid=open-incidents]").TextContent);
        Assert.DoesNotContain("Upload a capture", cut.Markup); // viewers cannot upload

        Services.GetRequiredService<LiveNotifier>().PublishCounts([("smurf", "dos", 3), ("normal", "normal", 1)]);
        await FlushLiveAsync();

        cut.WaitForAssertion(() => Assert.Equal("16", cut.Find("[data-testid=total-events]").TextContent));
        Assert.Equal("10", cut.Find("[data-testid=total-dos]").TextContent);
        Assert.Equal("6", cut.Find("[data-testid=total-normal]").TextContent);
    }

    [Fact]
    public async Task Open_incidents_are_listed_most_severe_first_not_alphabetically()
    {
        await using (var db = Db())
        {
            foreach (var (label, severity) in new[] { ("satan", IncidentSeverity.Medium), ("rootkit", IncidentSeverity.Critical), ("ipsweep", IncidentSeverity.Low), ("neptune", IncidentSeverity.High) })
            {
                db.Incidents.Add(new Incident { Label = label, Category = "x", Severity = severity, Status = IncidentStatus.Open, FirstSeenMs = 1, LastSeenMs = 2 });
            }

            await db.SaveChangesAsync();
        }

        var cut = Render<Siem.Web.Components.Pages.Home>();

        cut.WaitForAssertion(() =>
        {
            var text = cut.Find("[data-testid=open-incidents]").TextContent;
            var order = MostSevereFirst.Select(l => text.IndexOf(l, StringComparison.Ordinal)).ToList();
            Assert.DoesNotContain(-1, order);
            Assert.Equal(order.Order(), order);
        });
    }
}
