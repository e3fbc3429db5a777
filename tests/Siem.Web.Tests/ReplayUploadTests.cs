using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Ingest;
using Siem.Web.Ingest;

namespace Siem.Web.Tests;

/// <summary>An upload replayed as live traffic: paced, pausable, stamped with the time it plays.</summary>
public sealed class ReplayUploadTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    [Fact]
    public async Task A_replayed_upload_plays_at_its_rate_pauses_resumes_and_takes_the_time_it_plays()
    {
        var client = app.ApiClient();
        var content = IngestTests.MixedFile(out var good, out _); // carries 2026-11-20 timestamps
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "replay.csv");
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;

        var response = await client.PostAsync("/api/uploads?replayRate=24", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<JobView>(ApiHelpers.Json))!;
        Assert.Equal(24, job.ReplayRate);

        await WaitUntilAsync(async () => (await client.GetFromJsonAsync<JobView>($"/api/jobs/{job.Id}", ApiHelpers.Json))!.Classified > 0);
        var paused = await client.PostAsync($"/api/jobs/{job.Id}/pause", null);
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        await Task.Delay(300); // let a batch already past the gate land
        var atPause = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{job.Id}", ApiHelpers.Json))!;
        await Task.Delay(800);
        var stillPaused = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{job.Id}", ApiHelpers.Json))!;
        Assert.Equal("Running", stillPaused.Status);
        Assert.True(stillPaused.Paused);
        Assert.Equal(atPause.Classified, stillPaused.Classified);
        Assert.True(stillPaused.Classified < good, $"classified {stillPaused.Classified} while paused");

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/jobs/{job.Id}/resume", null)).StatusCode);
        var finished = await client.WaitForJobAsync(job.Id);

        Assert.Equal("Completed", finished.Status);
        Assert.Equal(good, finished.Classified);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.4), $"36 records at 24/s finished in {clock.Elapsed.TotalSeconds:F2}s");
        await using var db = app.CreateDb();
        var startedMs = started.ToUnixTimeMilliseconds();
        Assert.All(await db.Events.Where(e => e.JobId == job.Id).Select(e => e.TimeMs).ToListAsync(), t => Assert.True(t >= startedMs, "a replayed record kept its file timestamp"));
    }

    [Fact]
    public async Task Pausing_a_job_that_is_not_a_replay_is_refused()
    {
        var client = app.ApiClient();
        var job = await client.UploadAndWaitAsync("plain.csv", IngestTests.MixedFile(out _, out _));

        var response = await client.PostAsync($"/api/jobs/{job.Id}/pause", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within a minute");
            await Task.Delay(20);
        }
    }
}
