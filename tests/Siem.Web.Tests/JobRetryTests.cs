using System.Net;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>A failed upload (a full disk, since freed) goes on after its last committed line: every record once.</summary>
public sealed class JobRetryTests
{
    [Fact]
    public async Task A_failed_upload_retried_goes_on_after_its_last_committed_batch_and_stores_every_record_once()
    {
        await using var app = new SiemAppFactory(); // batches of 256 lines
        app.Settings["Siem:Ingest:KeepUploadedFiles"] = "true"; // as after a failure: a failed job's file is kept
        var client = app.ApiClient();
        var csv = string.Concat(Enumerable.Range(0, 600).Select(i => ToCsvLine(i % 4 == 0 ? SynFlood(i) : NormalHttp(i)) + "\n"));
        var job = await client.UploadAndWaitAsync("monday.csv", csv);
        await using (var db = app.CreateDb())
        {
            // As the writer leaves a job that failed after its first batch: events, counts and the committed line move together.
            await db.Events.Where(e => e.JobId == job.Id && e.Line > 256).ExecuteDeleteAsync();
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(j => j
                .SetProperty(x => x.Status, JobStatus.Failed).SetProperty(x => x.Error, "SQLite Error 13: 'database or disk is full'.")
                .SetProperty(x => x.CommittedLine, 256).SetProperty(x => x.Read, 256).SetProperty(x => x.Classified, 256));
        }

        var completed = await client.PostAsync($"/api/jobs/{job.Id}/retry", null);
        var retried = await client.WaitForJobAsync(job.Id);
        var again = await client.PostAsync($"/api/jobs/{job.Id}/retry", null);

        Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
        Assert.Equal(("Completed", 600L), (retried.Status, retried.Classified));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await using var check = app.CreateDb();
        Assert.Equal(600, await check.Events.CountAsync(e => e.JobId == job.Id));
        Assert.Equal(600, await check.Events.Where(e => e.JobId == job.Id).Select(e => e.Line).Distinct().CountAsync());
        Assert.True(await check.Audit.AnyAsync(a => a.Action == "Retry" && a.EntityId == job.Id.ToString()));
    }
}
