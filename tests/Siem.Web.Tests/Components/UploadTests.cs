using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Identity;
using Siem.Store.Ingest;
using Siem.Store.Live;
using Siem.Store.Persistence;
using Siem.Web.Components.Pages;
using Siem.Web.Identity;
using Siem.Web.Ingest;
using Siem.Web.Live;

namespace Siem.Web.Tests.Components;

public sealed class UploadTests : ComponentTestContext
{
    public UploadTests() => Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);

    [Fact]
    public void Shows_the_drop_zone_and_the_size_limit()
    {
        var cut = Render<Upload>();

        Assert.NotNull(cut.Find("[data-testid=drop-zone]"));
        Assert.Contains("Up to 2.0 GB", cut.Markup);
    }

    [Fact]
    public async Task A_refused_upload_shows_the_servers_reason()
    {
        var cut = Render<Upload>();

        await cut.InvokeAsync(() => cut.Instance.OnUploadFinished(413, """{"status":413,"detail":"The upload is larger than the limit of 10 bytes."}"""));

        cut.WaitForAssertion(() => Assert.Contains("Upload refused (413): The upload is larger than the limit of 10 bytes.", cut.Find("[data-testid=upload-error]").TextContent));
    }

    [Fact]
    public async Task Cancelling_from_the_page_cancels_a_queued_job_and_audits_who()
    {
        IngestJob job;
        await using (var db = Db())
        {
            job = new IngestJob { FileName = "queued.csv", StoredPath = "/tmp/none", CreatedBy = "analyst@test", CreatedUtc = DateTime.UtcNow };
            db.Jobs.Add(job);
            await db.SaveChangesAsync();
        }

        var cut = Render<Upload>();
        await cut.InvokeAsync(() => cut.Instance.OnUploadFinished(202, JsonSerializer.Serialize(JobViews.From(job), ApiHelpers.Json)));
        await cut.InvokeAsync(() => cut.Find("[data-testid=stop]").Click());

        cut.WaitForAssertion(() => Assert.Equal("Cancelled", cut.Find("[data-testid=job-status]").TextContent));
        await using var check = Db();
        Assert.Equal(JobStatus.Cancelled, check.Jobs.Single(j => j.Id == job.Id).Status);
        Assert.Equal("analyst@test", check.Audit.Single(a => a.Action == "Cancel requested").Actor);
    }

    [Fact]
    public async Task An_accepted_upload_follows_its_job_live_to_the_summary()
    {
        IngestJob job;
        await using (var db = Db())
        {
            job = new IngestJob { FileName = "sample.csv", StoredPath = "/tmp/none", CreatedBy = "analyst@test", CreatedUtc = DateTime.UtcNow };
            db.Jobs.Add(job);
            await db.SaveChangesAsync();
        }

        var cut = Render<Upload>();
        var accepted = JsonSerializer.Serialize(JobViews.From(job), ApiHelpers.Json);
        await cut.InvokeAsync(() => cut.Instance.OnUploadFinished(202, accepted));
        cut.WaitForAssertion(() => Assert.Equal("Queued", cut.Find("[data-testid=job-status]").TextContent));

        var live = Services.GetRequiredService<LiveNotifier>();
        live.PublishJob(new JobProgress(job.Id, "sample.csv", "Running", 500, 480, 20, 30, 0, 1000, 1000, DateTime.UtcNow, null, null));
        await FlushLiveAsync();
        cut.WaitForAssertion(() => Assert.Equal("480", cut.Find("[data-testid=job-classified]").TextContent));
        Assert.Equal("20", cut.Find("[data-testid=job-rejected]").TextContent);
        Assert.NotNull(cut.Find("[data-testid=job-progress]"));

        await using (var db = Db())
        {
            var stored = await db.Jobs.FindAsync(job.Id);
            (stored!.Status, stored.Read, stored.Classified, stored.Rejected, stored.Alerts, stored.IncidentsCreated, stored.LabelledRecords, stored.LabelledCorrect) =
                (JobStatus.Completed, 1000, 990, 10, 40, 2, 990, 980);
            db.JobRejections.Add(new JobRejection { JobId = job.Id, Line = 7, Reason = "count: must not be negative (-1)" });
            await db.SaveChangesAsync();
        }

        live.PublishJob(new JobProgress(job.Id, "sample.csv", "Completed", 1000, 990, 10, 40, 2, 0, 1000, DateTime.UtcNow, DateTime.UtcNow, null));
        await FlushLiveAsync();

        cut.WaitForAssertion(() => Assert.Equal("Completed", cut.Find("[data-testid=job-status]").TextContent));
        Assert.Equal("2", cut.Find("[data-testid=job-incidents]").TextContent);
        Assert.StartsWith("98.99", cut.Find("[data-testid=job-accuracy]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=job-progress]"));
        Assert.Contains("First 1 rejected lines", cut.Markup);
    }
}
