using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Ingest;
using Siem.TestSupport;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>A real full disk (a small tmpfs as the data folder): the job fails saying so, the API answers 507, and once there is room the job goes on where it stopped.</summary>
public sealed class DiskFullTests
{
    [RequiresTmpfsFact]
    public async Task A_full_disk_fails_the_job_and_answers_507_then_the_retried_job_stores_every_record_once()
    {
        using var disk = TmpfsMount.Create(megabytes: 4);
        await using var app = new SiemAppFactory();
        app.Settings["Siem:DataDir"] = disk.Path;
        var client = app.ApiClient();
        // 20,000 records: ~2.5 MB of CSV fits on the disk, the events it makes do not.
        var csv = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            csv.Append(ToCsvLine(i % 5 == 0 ? SynFlood(i) : NormalHttp(i))).Append('\n');
        }

        var job = await client.UploadAndWaitAsync("monday.csv", csv.ToString());

        Assert.Equal("Failed", job.Status);
        Assert.Contains("full", job.Error, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(job.Classified, 1, 19_999);
        var refused = await client.UploadAsync("tuesday.csv", csv.ToString());
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("full", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        disk.Resize(megabytes: 64);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/jobs/{job.Id}/retry", null)).StatusCode);
        var retried = await client.WaitForJobAsync(job.Id);

        Assert.Equal(("Completed", 20_000L), (retried.Status, retried.Classified));
        await using var db = app.CreateDb();
        Assert.Equal(20_000, await db.Events.CountAsync(e => e.JobId == job.Id));
        Assert.Equal(20_000, await db.Events.Where(e => e.JobId == job.Id).Select(e => e.Line).Distinct().CountAsync());
        var again = await client.UploadAndWaitAsync("tuesday.csv", csv.ToString());
        Assert.Equal("Completed", again.Status);
    }
}
