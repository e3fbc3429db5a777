using System.Net.Http.Json;
using Siem.Store.Persistence;
using Siem.Store.Stats;

namespace Siem.Web.Tests.Stats;

/// <summary>
/// "unknown" verdicts are counted under their likeliest class's category, so one label has rows of several categories
/// (it made the breakdown and the timeline answer 500 on a 5M-event store: two dictionary entries for "unknown").
/// </summary>
public sealed class UnknownVerdictStatsTests
{
    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task Unknown_counted_under_several_categories_is_one_label_in_the_breakdown_and_the_timeline(StoreProvider provider)
    {
        await using var app = SiemAppFactory.On(provider);
        var client = app.ApiClient();
        var minute = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds() / 60;
        await using (var db = app.CreateDb())
        {
            db.Rollups.AddRange(
                new RollupMinute { Minute = minute, Label = "unknown", Category = "dos", Count = 3, Alerts = 3 },
                new RollupMinute { Minute = minute + 1, Label = "unknown", Category = "probe", Count = 4, Alerts = 4 },
                new RollupMinute { Minute = minute + 1, Label = "normal", Category = "normal", Count = 10, Alerts = 0 });
            await db.SaveChangesAsync();
        }

        var breakdown = await client.GetFromJsonAsync<Breakdown>("/api/stats/breakdown", ApiHelpers.Json);
        Assert.Equal(7, breakdown!.ByLabel["unknown"]);
        Assert.Equal((3L, 4L, 17L), (breakdown.ByCategory["dos"], breakdown.ByCategory["probe"], breakdown.Total));

        var from = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeSeconds(minute * 60).AddHours(-1).ToString("O"));
        var to = Uri.EscapeDataString(DateTimeOffset.FromUnixTimeSeconds(minute * 60).AddHours(1).ToString("O"));
        var timeline = await client.GetFromJsonAsync<Timeline>($"/api/stats/timeline?from={from}&to={to}&interval=1h", ApiHelpers.Json);
        Assert.Equal(7, timeline!.Buckets.Sum(b => b.ByLabel.GetValueOrDefault("unknown")));
    }
}
