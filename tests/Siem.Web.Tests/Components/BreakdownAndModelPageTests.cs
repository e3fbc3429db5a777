using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.Web.Identity;

namespace Siem.Web.Tests.Components;

public sealed class BreakdownAndModelPageTests : ComponentTestContext
{
    public BreakdownAndModelPageTests() =>
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);

    [Fact]
    public async Task Breakdown_reads_the_rollups_and_narrows_with_the_range()
    {
        var minuteNow = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;
        await using (var db = Db())
        {
            // Now: neptune against 10.0.0.9. Three days ago: smurf against 10.0.0.7.
            db.Rollups.Add(new RollupMinute { Minute = minuteNow, Label = "neptune", Category = "dos", Count = 40, Alerts = 40 });
            db.AlertRollups.Add(new AlertRollupMinute { Minute = minuteNow, Dimension = AlertRollupMinute.Host, Value = "10.0.0.9", Count = 40 });
            db.AlertRollups.Add(new AlertRollupMinute { Minute = minuteNow, Dimension = AlertRollupMinute.Service, Value = "private", Count = 40 });
            db.Rollups.Add(new RollupMinute { Minute = minuteNow - 3 * 1440, Label = "smurf", Category = "dos", Count = 9, Alerts = 9 });
            db.AlertRollups.Add(new AlertRollupMinute { Minute = minuteNow - 3 * 1440, Dimension = AlertRollupMinute.Host, Value = "10.0.0.7", Count = 9 });
            await db.SaveChangesAsync();
        }

        var cut = Render<Siem.Web.Components.Pages.Breakdown>();
        cut.WaitForAssertion(() => Assert.Contains("10.0.0.7", cut.Find("[data-testid=hosts]").TextContent));
        Assert.Contains("T1499", cut.Find("[data-testid=techniques]").TextContent);

        await cut.InvokeAsync(() => cut.FindAll("[data-testid=ranges] button").Single(b => b.TextContent.Trim() == "24h").Click());

        cut.WaitForAssertion(() => Assert.DoesNotContain("10.0.0.7", cut.Find("[data-testid=hosts]").TextContent));
        Assert.Contains("10.0.0.9", cut.Find("[data-testid=hosts]").TextContent);
        Assert.Contains("private", cut.Find("[data-testid=services]").TextContent);
    }

    [Fact]
    public void Model_page_says_how_to_get_an_evaluation_when_no_upload_was_labelled()
    {
        var cut = Render<Siem.Web.Components.Pages.Model>();

        cut.WaitForAssertion(() => Assert.Contains("No labelled uploads yet", cut.Find("[data-testid=upload-evaluation]").TextContent));
        var card = Services.GetRequiredService<Siem.Store.Models.ActiveModel>().Classifier.Card;
        Assert.Contains(card.Metrics!.HeldOut!.Accuracy.ToString("P3"), cut.Find("[data-testid=accuracy]").TextContent);
    }

    [Fact]
    public void Model_page_shows_the_decision_policy_its_trials_and_the_empty_site_set()
    {
        var card = Services.GetRequiredService<Siem.Store.Models.ActiveModel>().Classifier.Card;

        var cut = Render<Siem.Web.Components.Pages.Model>();

        cut.WaitForAssertion(() => Assert.Contains("Nothing yet", cut.Find("[data-testid=site-learning]").TextContent));
        Assert.Contains("failed-logins", cut.Find("[data-testid=content-rules]").TextContent);
        Assert.Contains($"u2r {card.Decision.CategoryPriorWeights[3]:0.###}", cut.Find("[data-testid=prior-weights]").TextContent);
        Assert.Equal(10, cut.FindAll("[data-testid=policy-trials] tbody tr").Count);
        Assert.Contains(card.Metrics!.LeaveOneAttackOut!.BalancedCost.ToString("F4"), cut.Find("[data-testid=loao-cost]").TextContent);
    }

    [Fact]
    public void An_event_a_content_rule_decided_says_so_in_its_detail()
    {
        var row = new Siem.Store.Events.EventView(7, DateTimeOffset.UtcNow, "guess_passwd", "r2l", 0.01f, false, true, "tcp", "telnet", "SF", 120, 300,
            "10.0.0.5", "10.0.0.9", 40000, 23, null, 1, 7, Rule: "failed-logins");
        var detail = new Siem.Store.Events.EventDetail(row, [], []);

        var cut = Render<Siem.Web.Components.Events.EventDetailPanel>(p => p.Add(x => x.Detail, detail));

        Assert.Contains("content rule", cut.Find("[data-testid=event-rule]").TextContent);
        Assert.Contains("failed-logins", cut.Find("[data-testid=event-rule]").TextContent);
    }

    [Fact]
    public async Task Model_page_evaluates_the_latest_labelled_upload()
    {
        await using (var db = Db())
        {
            db.Jobs.Add(new IngestJob { Id = 3, FileName = "week.csv", StoredPath = "x", CreatedBy = "t", LabelledRecords = 4, LabelledCorrect = 3 });
            // As the writer counts them with the events: 3 neptune called neptune, 1 normal called neptune.
            db.JobVerdicts.Add(new JobVerdictCount { JobId = 3, ActualLabel = "neptune", Label = "neptune", Category = "dos", Count = 3 });
            db.JobVerdicts.Add(new JobVerdictCount { JobId = 3, ActualLabel = "normal", Label = "neptune", Category = "dos", Count = 1 });
            await db.SaveChangesAsync();
        }

        var cut = Render<Siem.Web.Components.Pages.Model>();

        cut.WaitForAssertion(() => Assert.Contains("75.00", cut.Find("[data-testid=evaluation-accuracy]").TextContent)); // 3 of 4
        Assert.Contains("week.csv", cut.Markup);
    }
}
