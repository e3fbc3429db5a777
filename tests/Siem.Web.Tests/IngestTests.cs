using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Domain.Records;
using Siem.Store.Events;
using Siem.Store.Incidents;
using Siem.Store.Ingest;
using Siem.Store.Persistence;
using Siem.Web.Events;
using Siem.Web.Incidents;
using Siem.Web.Ingest;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>Upload -> job -> events, rejections and incidents, on a real SQLite file with the shipped model.</summary>
public class IngestTests : IClassFixture<SiemAppFactory>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private readonly SiemAppFactory _app;

    public IngestTests(SiemAppFactory app) => _app = app;

    /// <summary>10 normal sessions, 20 SYN-flood records against 10.0.0.9, 6 smurf records against 10.0.0.7, and 3 bad lines.</summary>
    internal static string MixedFile(out int goodLines, out long[] badLines)
    {
        var text = new StringBuilder("timestamp,dst_ip," + Header(withLabel: true) + "\n");
        var line = 1;
        var bad = new List<long>();
        void Add(ConnectionRecord record, string label, string ip, int second)
        {
            text.Append(Start.AddSeconds(second).ToString("O")).Append(',').Append(ip).Append(',').Append(ToCsvLine(record, label)).Append('\n');
            line++;
        }

        void AddBad(string content)
        {
            text.Append(content).Append('\n');
            bad.Add(++line);
        }

        for (var i = 0; i < 10; i++)
        {
            Add(NormalHttp(i), "normal", "10.0.0.5", i);
        }

        AddBad("not,a,record");
        for (var i = 0; i < 20; i++)
        {
            Add(SynFlood(i), "neptune", "10.0.0.9", 10 + i);
        }

        AddBad(Start.ToString("O") + ",10.0.0.9," + ToCsvLine(SynFlood(), "neptune").Replace(",S0,", ",XX,", StringComparison.Ordinal));
        for (var i = 0; i < 6; i++)
        {
            Add(SmurfEcho(i), "smurf", "10.0.0.7", 40 + i);
        }

        AddBad("garbage");
        goodLines = 36;
        badLines = [.. bad];
        return text.ToString();
    }

    [Fact]
    public async Task Uploaded_file_becomes_events_rejections_and_grouped_incidents()
    {
        // Its own app and store: other tests' uploads would join these incidents.
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var content = MixedFile(out var good, out var bad);

        var job = await client.UploadAndWaitAsync("mixed.csv", content);
        await app.WaitForCorrelationAsync();
        job = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{job.Id}", ApiHelpers.Json))!;

        Assert.Equal("Completed", job.Status);
        Assert.Equal(good, job.Classified);
        Assert.Equal(bad.Length, job.Rejected);
        Assert.Equal(bad, job.Rejections!.Select(r => r.Line));
        Assert.Contains("flag: unknown flag 'XX'", job.Rejections![1].Reason);
        Assert.Equal(1.0, job.LabelAccuracy);

        await using var db = app.CreateDb();
        Assert.Equal(good, await db.Events.CountAsync(e => e.JobId == job.Id));
        var incidents = await db.Incidents.OrderBy(i => i.Id).ToListAsync();
        var described = string.Join("; ", incidents.Select(i => $"{i.Label}@{i.DstHost} x{i.AlertCount}"));
        Assert.True(incidents.Count(i => i.Label == "neptune" && i.DstHost == "10.0.0.9") == 1, described);
        var neptune = incidents.Single(i => i.Label == "neptune" && i.DstHost == "10.0.0.9");
        Assert.Equal(20, neptune.AlertCount);
        Assert.Equal("High", neptune.Severity.ToString());
        Assert.Equal("T1499", neptune.MitreTechnique);
        Assert.Equal(Start.AddSeconds(10).ToUnixTimeMilliseconds(), neptune.FirstSeenMs);
        Assert.True(incidents.Count(i => i.Label == "smurf" && i.DstHost == "10.0.0.7") == 1, described);
        var smurf = incidents.Single(i => i.Label == "smurf" && i.DstHost == "10.0.0.7");
        Assert.Equal(6, smurf.AlertCount);
        Assert.Equal(job.Alerts, incidents.Sum(i => i.AlertCount));
        Assert.Equal(incidents.Count, job.Incidents);

        var events = await client.GetFromJsonAsync<Page<EventView>>($"/api/events?label=neptune&pageSize=5", ApiHelpers.Json);
        Assert.Equal(20, events!.Total);
        Assert.Equal(5, events.Items.Count);
        Assert.All(events.Items, e => Assert.Equal("10.0.0.9", e.DstIp));
    }

    [Fact]
    public async Task A_labelled_upload_is_evaluated_like_siem_evaluate_from_its_stored_verdicts()
    {
        var client = _app.ApiClient();
        var job = await client.UploadAndWaitAsync("evaluated.csv", MixedFile(out var good, out _));
        var unlabelled = await client.UploadAndWaitAsync("unlabelled.csv", ToCsvLine(NormalHttp()) + "\n");

        var report = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/jobs/{job.Id}/evaluation");
        var none = await client.GetAsync($"/api/jobs/{unlabelled.Id}/evaluation");

        Assert.Equal(good, report.GetProperty("records").GetInt64());
        Assert.Equal(1.0, report.GetProperty("accuracy").GetDouble());
        Assert.Equal(0.0, report.GetProperty("costPerExample").GetDouble());
        var confusion = report.GetProperty("categoryConfusion");
        Assert.Equal(10, confusion[0][0].GetInt64()); // normal -> normal
        Assert.Equal(26, confusion[2][2].GetInt64()); // dos -> dos: 20 neptune + 6 smurf
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }

    [Fact]
    public async Task Rerunning_a_job_adds_no_duplicates()
    {
        var client = _app.ApiClient();
        var job = await client.UploadAndWaitAsync("rerun.csv", MixedFile(out var good, out _));

        await using (var db = _app.CreateDb())
        {
            // As after a crash before the progress was saved: the whole file is processed again.
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Queued)
                .SetProperty(j => j.CommittedLine, 0));
        }

        _app.Services.GetRequiredService<JobQueue>().Enqueue(job.Id);
        await client.WaitForJobAsync(job.Id);

        await using var check = _app.CreateDb();
        Assert.Equal(good, await check.Events.CountAsync(e => e.JobId == job.Id));
        Assert.Equal(good, (await check.Jobs.SingleAsync(j => j.Id == job.Id)).Classified); // not counted twice
        Assert.Equal(good, await check.JobVerdicts.Where(v => v.JobId == job.Id).SumAsync(v => v.Count)); // nor evaluated twice
    }

    [Fact]
    public async Task A_running_job_can_be_cancelled()
    {
        var client = _app.ApiClient();
        var text = new StringBuilder();
        for (var i = 0; i < 200_000; i++)
        {
            text.Append(ToCsvLine(i % 2 == 0 ? NormalHttp(i) : SmurfEcho(i))).Append('\n');
        }

        var response = await client.UploadAsync("big.csv", text.ToString());
        var job = (await response.Content.ReadFromJsonAsync<JobView>(ApiHelpers.Json))!;
        var cancel = await client.PostAsync($"/api/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var finished = await client.WaitForJobAsync(job.Id);
        Assert.Equal("Cancelled", finished.Status);
        Assert.True(finished.Classified < 200_000, $"classified {finished.Classified}");
    }

    [Fact]
    public async Task Upload_without_a_file_is_a_problem_details_400()
    {
        var client = _app.ApiClient();
        using var form = new MultipartFormDataContent { { new StringContent("x"), "notafile" } };

        var response = await client.PostAsync("/api/uploads", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no file part", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_file_with_a_broken_header_fails_with_a_clear_error()
    {
        var job = await _app.ApiClient().UploadAndWaitAsync("broken.csv", "duration,protocol_type,label\n0,tcp,normal.\n");

        Assert.Equal("Failed", job.Status);
        Assert.Contains("missing 39 of the 41 KDD feature columns", job.Error);
    }

    [Fact]
    public async Task Timeline_and_breakdown_read_the_rollups()
    {
        var client = _app.ApiClient();
        await client.UploadAndWaitAsync("stats.csv", MixedFile(out _, out _));

        var timeline = await client.GetFromJsonAsync<Siem.Store.Stats.Timeline>($"/api/stats/timeline?from={Uri.EscapeDataString(Start.ToString("O"))}&to={Uri.EscapeDataString(Start.AddHours(1).ToString("O"))}&interval=1m", ApiHelpers.Json);
        var breakdown = await client.GetFromJsonAsync<Siem.Store.Stats.Breakdown>($"/api/stats/breakdown?from={Uri.EscapeDataString(Start.ToString("O"))}&to={Uri.EscapeDataString(Start.AddHours(1).ToString("O"))}", ApiHelpers.Json);

        Assert.Equal(60, timeline!.IntervalSeconds);
        Assert.Equal(Start, timeline.Buckets[0].Start);
        Assert.True(timeline.Buckets.Sum(b => b.Total) >= 36);
        Assert.True(breakdown!.ByCategory["dos"] >= 26);
        Assert.Equal(breakdown.Total, breakdown.ByCategory.Values.Sum());
    }
}

/// <summary>The same upload tests on PostgreSQL.</summary>
public sealed class IngestTestsOnPostgres(PostgresAppFactory app) : IngestTests(app), IClassFixture<PostgresAppFactory>;
