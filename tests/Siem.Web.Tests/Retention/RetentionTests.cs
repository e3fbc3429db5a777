using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Events;
using Siem.Store.Persistence;
using Siem.Store.Retention;
using Siem.Store.Stats;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests.Retention;

/// <summary>The retention sweeper on a real database: what is past its age goes, the rest stays, the timeline keeps old weeks, the size cap holds.</summary>
public sealed class RetentionTests
{
    private static SiemAppFactory App(params (string Key, string Value)[] settings) => App(StoreProvider.Sqlite, settings);

    private static SiemAppFactory App(StoreProvider provider, params (string Key, string Value)[] settings)
    {
        var app = SiemAppFactory.On(provider);
        app.Settings["Siem:Retention:Enabled"] = "true";
        app.Settings["Siem:Retention:Interval"] = "1.00:00:00"; // the test sweeps, not the timer
        app.Settings["Siem:Retention:BatchSize"] = "100"; // several batches
        app.Settings["Siem:Retention:BatchPause"] = "00:00:00";
        foreach (var (key, value) in settings)
        {
            app.Settings[key] = value;
        }

        return app;
    }

    private static async Task<SweepResult> SweepAsync(HttpClient client)
    {
        var response = await client.PostAsync("/api/admin/retention/sweep", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SweepResult>(ApiHelpers.Json))!;
    }

    private static async Task<long> EventsAsync(HttpClient client, DateTimeOffset from, DateTimeOffset to) =>
        (await client.GetFromJsonAsync<Page<EventView>>($"/api/events?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}", ApiHelpers.Json))!.Total;

    private static async Task<long> ChartedAsync(HttpClient client, DateTimeOffset from, DateTimeOffset to)
    {
        var timeline = await client.GetFromJsonAsync<Timeline>($"/api/stats/timeline?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}", ApiHelpers.Json);
        return timeline!.Buckets.Sum(b => b.Total);
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task A_sweep_deletes_what_is_past_its_age_keeps_the_rest_and_old_weeks_still_chart(StoreProvider provider)
    {
        await using var app = App(provider, ("Siem:Retention:EventDays", "30"), ("Siem:Retention:RollupDays", "365"), ("Siem:Retention:IncidentDays", "60"),
            ("Siem:Retention:AuditDays", "400"));
        var client = app.ApiClient();
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Date, TimeSpan.Zero).AddDays(-400);
        const int day = 86_400;
        await client.UploadAndWaitAsync("history.csv", RiskIncidentTests.Floods(start,
            (0, "10.0.0.1", 20), (300 * day, "10.0.0.2", 20), (360 * day, "10.0.0.3", 20), (398 * day, "10.0.0.4", 20)));
        await app.WaitForCorrelationAsync();
        await using (var db = app.CreateDb())
        {
            Assert.Equal(4, await db.Incidents.CountAsync());
            var ids = await db.Incidents.OrderBy(i => i.FirstSeenMs).Select(i => i.Id).ToListAsync();
            // -400 d resolved (past 60 days: goes), -100 d still open (kept), -40 d resolved (younger than 60 days: kept)
            Assert.True((await client.PostAsJsonAsync($"/api/incidents/{ids[0]}/resolve", new { reason = "TruePositive" })).IsSuccessStatusCode);
            Assert.True((await client.PostAsJsonAsync($"/api/incidents/{ids[2]}/resolve", new { reason = "TruePositive" })).IsSuccessStatusCode);
            db.Audit.Add(new AuditEntry { AtUtc = now.UtcDateTime.AddDays(-500), Actor = "someone", Action = "Old", EntityType = "Test", EntityId = "1" });
            await db.SaveChangesAsync();
        }

        var audit = await CountAuditAsync(app);
        var sweep = await SweepAsync(client);

        Assert.Null(sweep.Error);
        Assert.Equal((60L, 0L, 1L, 1L), (sweep.Events, sweep.EventsForSize, sweep.Incidents, sweep.AuditEntries));
        Assert.True(sweep.RollupRows > 0, "the -400 d rollups are past 365 days");
        Assert.Equal(20, await EventsAsync(client, start, now));
        Assert.Equal(20, await EventsAsync(client, start.AddDays(398), now));
        // The raw events of -100 d are gone, but the timeline still charts that week from its rollups; -400 d is gone from both.
        Assert.Equal(0, await EventsAsync(client, start.AddDays(299), start.AddDays(301)));
        Assert.Equal(20, await ChartedAsync(client, start.AddDays(299), start.AddDays(301)));
        Assert.Equal(0, await ChartedAsync(client, start.AddDays(-1), start.AddDays(1)));
        await using (var db = app.CreateDb())
        {
            Assert.Equal(["10.0.0.2", "10.0.0.3", "10.0.0.4"], await db.Incidents.OrderBy(i => i.FirstSeenMs).Select(i => i.DstHost).ToListAsync());
            Assert.Equal(audit - 1, await db.Audit.CountAsync());
        }

        var storage = await client.GetFromJsonAsync<StorageView>("/api/admin/storage", ApiHelpers.Json);
        Assert.Equal(20, storage!.Events);
        Assert.Equal(start.AddDays(398), storage.OldestEvent);
        Assert.Equal(60, storage.LastSweep!.Events);
        Assert.Equal(30, storage.Policy.EventDays);
        Assert.Equal(provider, storage.Provider);
        Assert.True(storage.FileBytes > 0, "the database's size on disk");

        var again = await SweepAsync(client);
        Assert.Equal((0L, 0L, 0L, 0L, 0L), (again.Events, again.EventsForSize, again.RollupRows, again.Incidents, again.AuditEntries));
    }

    private static async Task<int> CountAuditAsync(SiemAppFactory app)
    {
        await using var db = app.CreateDb();
        return await db.Audit.CountAsync();
    }

    [Fact]
    public async Task Over_the_size_cap_the_oldest_events_go_first_and_the_file_shrinks()
    {
        await using var app = App(("Siem:Retention:MaxStoreGb", "0.004"), ("Siem:Retention:BatchSize", "2000"));
        var client = app.ApiClient();
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var csv = new StringBuilder("timestamp," + Header(withLabel: true) + "\n");
        for (var i = 0; i < 40_000; i++)
        {
            csv.Append(start.AddSeconds(i).ToString("O", CultureInfo.InvariantCulture)).Append(',').Append(ToCsvLine(NormalHttp(i), "normal")).Append('\n');
        }

        await client.UploadAndWaitAsync("many.csv", csv.ToString());
        var before = await client.GetFromJsonAsync<StorageView>("/api/admin/storage", ApiHelpers.Json);
        Assert.True(before!.UsedBytes > 4_000_000 * 1.074, $"the fixture must exceed the cap: {before.UsedBytes} bytes");
        Assert.True(before.GivesSpaceBack);

        var sweep = await SweepAsync(client);

        var after = await client.GetFromJsonAsync<StorageView>("/api/admin/storage", ApiHelpers.Json);
        Assert.True(after!.UsedBytes <= 0.004 * 1024 * 1024 * 1024, $"{after.UsedBytes} bytes used");
        Assert.Equal(40_000 - sweep.EventsForSize, after.Events);
        Assert.True(sweep.EventsForSize > 0);
        Assert.Equal(start.AddSeconds(40_000 - 1).ToUnixTimeMilliseconds() / 1000, after.NewestEvent!.Value.ToUnixTimeMilliseconds() / 1000);
        Assert.Equal(start.AddSeconds(sweep.EventsForSize).ToUnixTimeMilliseconds() / 1000, after.OldestEvent!.Value.ToUnixTimeMilliseconds() / 1000);
        Assert.True(sweep.ReclaimedBytes > 0 && after.FileBytes + after.WalBytes < before.FileBytes + before.WalBytes,
            $"file {before.FileBytes + before.WalBytes} -> {after.FileBytes + after.WalBytes}, reclaimed {sweep.ReclaimedBytes}");
    }

    [Fact]
    public async Task With_retention_off_nothing_is_deleted_and_a_sweep_is_refused_with_the_reason()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        await client.UploadAndWaitAsync("old.csv", RiskIncidentTests.Floods(DateTimeOffset.UtcNow.AddDays(-1000), (0, "10.0.0.1", 5)));

        var response = await client.PostAsync("/api/admin/retention/sweep", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Siem:Retention:Enabled", await response.Content.ReadAsStringAsync());
        var storage = await client.GetFromJsonAsync<StorageView>("/api/admin/storage", ApiHelpers.Json);
        Assert.Equal((5L, false), (storage!.Events, storage.Policy.Enabled));
        var viewer = await ApiHelpers.ClientWithRoleAsync(app, client, Siem.Store.Identity.SiemRoles.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/admin/storage")).StatusCode);
    }
}
