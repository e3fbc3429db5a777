using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.Store.Stats;
using Siem.Web.Identity;
using Siem.Web.Stats;
using TimelinePage = Siem.Web.Components.Pages.Timeline;

namespace Siem.Web.Tests.Components;

public sealed class TimelinePageTests : ComponentTestContext
{
    private static readonly DateTimeOffset Nine = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2026-11-20T08:00", "2026-11-20T10:00", null)]
    [InlineData("2026-11-20T10:00", "2026-11-20T08:00", "The end must come after the start.")]
    [InlineData("", "2026-11-20T08:00", "Pick both a start and an end.")]
    public void Absolute_ranges_are_read_as_utc_and_checked(string from, string to, string? error)
    {
        Assert.Equal(error, TimelinePage.ParseCustomRange(from, to, out var start, out var end));
        if (error is null)
        {
            Assert.Equal(Nine.AddHours(-1), start);
            Assert.Equal(Nine.AddHours(1), end);
        }
    }

    [Fact]
    public void Stacked_by_label_the_most_frequent_labels_get_a_series_and_the_rest_is_other()
    {
        var labels = Enumerable.Range(0, 10).ToDictionary(i => $"attack{i}", i => (long)(100 - i));
        labels["normal"] = 5;
        var buckets = new[] { new TimelineBucket(Nine, new Dictionary<string, long>(), labels.Values.Sum(), 0, labels) };

        var series = TimelinePage.LabelSeries(buckets);

        Assert.Equal(["attack0", "attack1", "attack2", "attack3", "attack4", "attack5", "attack6", "attack7", "other"], series.Select(s => s.Name));
        Assert.Equal(92 + 91 + 5, series[^1].Data[0][1]); // attack8, attack9 and normal (the least frequent here)
    }

    [Fact]
    public void Empty_buckets_are_filled_so_bars_keep_their_width()
    {
        var timeline = new Siem.Store.Stats.Timeline(Nine, Nine.AddMinutes(5), 60,
            [new TimelineBucket(Nine.AddMinutes(2), new Dictionary<string, long> { ["dos"] = 3 }, 3, 3, new Dictionary<string, long> { ["neptune"] = 3 })]);

        var dense = TimelinePage.Dense(timeline);

        Assert.Equal(5, dense.Count);
        Assert.Equal([0L, 0, 3, 0, 0], dense.Select(b => b.Total));
        Assert.Equal(Nine.AddMinutes(4), dense[^1].Start);
    }

    [Fact]
    public async Task Switching_to_label_stacking_says_so()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        await using (var db = Db())
        {
            db.Rollups.Add(new RollupMinute { Minute = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60, Label = "neptune", Category = "dos", Count = 7, Alerts = 7 });
            await db.SaveChangesAsync();
        }

        var cut = Render<TimelinePage>();
        cut.WaitForAssertion(() => Assert.Contains("7 events", cut.Find("[data-testid=timeline-caption]").TextContent));
        Assert.Contains("stacked by category", cut.Find("[data-testid=timeline-caption]").TextContent);

        await cut.InvokeAsync(() => cut.Find("[data-testid=stack-label]").Click());

        Assert.Contains("stacked by label", cut.Find("[data-testid=timeline-caption]").TextContent);
    }

    [Fact]
    public async Task In_live_mode_the_caption_counts_what_the_bars_show()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        var minute = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60;
        await using (var db = Db())
        {
            db.Rollups.Add(new RollupMinute { Minute = minute, Label = "neptune", Category = "dos", Count = 7, Alerts = 7 });
            await db.SaveChangesAsync();
        }

        var cut = Render<TimelinePage>();
        cut.WaitForAssertion(() => Assert.Contains("7 events", cut.Find("[data-testid=timeline-caption]").TextContent));
        await using (var db = Db())
        {
            db.Rollups.Add(new RollupMinute { Minute = minute, Label = "normal", Category = "normal", Count = 10 });
            await db.SaveChangesAsync();
        }

        Services.GetRequiredService<Siem.Store.Live.LiveNotifier>().PublishCounts([("normal", "normal", 10)]);
        await FlushLiveAsync();

        cut.WaitForAssertion(() => Assert.Contains("17 events", cut.Find("[data-testid=timeline-caption]").TextContent));
    }
}

