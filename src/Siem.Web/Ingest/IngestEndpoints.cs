using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Web.Hosting;
using Siem.Store;
using Siem.Web.Identity;
using Siem.Store.Identity;
using Siem.Store.Persistence;

using Siem.Store.Ingest;

namespace Siem.Web.Ingest;

public static class IngestEndpoints
{
    public static void MapIngestEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/uploads", UploadAsync)
            .RequireAuthorization(SiemPolicies.Act)
            .WithSummary("Upload a CSV or CSV.gz file (multipart field 'file'); returns the queued ingest job. With ?replayRate=N it plays out at N records/s as live traffic.")
            .DisableAntiforgery();

        var jobs = api.MapGroup("/jobs").RequireAuthorization(SiemPolicies.Read);
        jobs.MapGet("/", async (SiemDbContext db, CancellationToken ct) =>
            (await db.Jobs.AsNoTracking().OrderByDescending(j => j.Id).Take(100).ToListAsync(ct)).Select(j => JobViews.From(j)));
        jobs.MapGet("/{id:long}", GetJobAsync);
        jobs.MapGet("/{id:long}/evaluation", async (long id, SiemDbContext db, Siem.Detection.Model.OnnxClassifier classifier, CancellationToken ct) =>
                await Siem.Store.Stats.UploadEvaluation.LoadAsync(db, id, classifier.Labels, ct) is { } report
                    ? Results.Ok(report)
                    : Results.Problem($"Job {id} has no labelled records to evaluate against.", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("How the model did on a labelled upload: accuracy, macro-F1, per class, 5-category confusion, KDD cost");
        jobs.MapPost("/{id:long}/cancel", CancelAsync).RequireAuthorization(SiemPolicies.Act);
        jobs.MapPost("/{id:long}/pause", (long id, SiemDbContext db, JobQueue queue, CancellationToken ct) => SetPausedAsync(id, true, db, queue, ct)).RequireAuthorization(SiemPolicies.Act);
        jobs.MapPost("/{id:long}/resume", (long id, SiemDbContext db, JobQueue queue, CancellationToken ct) => SetPausedAsync(id, false, db, queue, ct)).RequireAuthorization(SiemPolicies.Act);
    }

    private static async Task<IResult> UploadAsync(HttpContext context, UploadStore store, IOptions<SiemOptions> options, double? replayRate, CancellationToken ct)
    {
        if (replayRate is <= 0 or > 1_000_000)
        {
            return TypedResults.Problem("replayRate must be between 1 and 1,000,000 records per second.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // multipart framing on top of the file itself
            limit.MaxRequestBodySize = options.Value.Ingest.MaxUploadBytes + 1024 * 1024;
        }

        try
        {
            var job = await store.SaveMultipartAsync(context.Request, context.User.Identity?.Name ?? "unknown", ct, replayRate);
            return TypedResults.Accepted($"/api/jobs/{job.Id}", JobViews.From(job));
        }
        catch (UploadTooLargeException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TypedResults.Problem($"The upload is larger than the limit of {options.Value.Ingest.MaxUploadBytes:N0} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        catch (InvalidDataException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static async Task<IResult> GetJobAsync(long id, SiemDbContext db, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return TypedResults.Problem($"No ingest job {id}.", statusCode: StatusCodes.Status404NotFound);
        }

        var rejections = await db.JobRejections.AsNoTracking().Where(r => r.JobId == id).OrderBy(r => r.Line)
            .Select(r => new RejectionView(r.Line, r.Reason)).ToListAsync(ct);
        return TypedResults.Ok(JobViews.From(job, rejections));
    }

    /// <summary>Pauses or resumes a replay (a job uploaded with a replay rate).</summary>
    internal static async Task<IResult> SetPausedAsync(long id, bool paused, SiemDbContext db, JobQueue queue, CancellationToken ct)
    {
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return TypedResults.Problem($"No ingest job {id}.", statusCode: StatusCodes.Status404NotFound);
        }

        if (job.ReplayRate is null || job.Status is not (JobStatus.Queued or JobStatus.Running))
        {
            return TypedResults.Problem($"Job {id} is not a running replay.", statusCode: StatusCodes.Status409Conflict);
        }

        job.Paused = paused;
        await db.SaveChangesAsync(ct);
        if (paused)
        {
            queue.Pause(id);
        }
        else
        {
            queue.Resume(id);
        }

        return TypedResults.Ok(JobViews.From(job));
    }

    private static Task<IResult> CancelAsync(long id, SiemDbContext db, JobQueue queue, HttpContext context, TimeProvider time, CancellationToken ct) =>
        RequestCancelAsync(id, context.User.Identity?.Name ?? "unknown", db, queue, time, ct);

    /// <summary>Cancels a job (the page and the API both come here): a queued one at once, a running one at its next batch; audited.</summary>
    internal static async Task<IResult> RequestCancelAsync(long id, string actor, SiemDbContext db, JobQueue queue, TimeProvider time, CancellationToken ct)
    {
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return TypedResults.Problem($"No ingest job {id}.", statusCode: StatusCodes.Status404NotFound);
        }

        if (job.Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled)
        {
            return TypedResults.Problem($"Job {id} is already {job.Status}.", statusCode: StatusCodes.Status409Conflict);
        }

        job.CancelRequested = true;
        if (job.Status == JobStatus.Queued)
        {
            job.Status = JobStatus.Cancelled;
            job.FinishedUtc = time.GetUtcNow().UtcDateTime;
        }

        db.Audit.Add(new AuditEntry
        {
            AtUtc = time.GetUtcNow().UtcDateTime,
            Actor = actor,
            Action = "Cancel requested",
            EntityType = nameof(IngestJob),
            EntityId = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(ct);
        queue.CancelRunning(id);
        return TypedResults.Accepted($"/api/jobs/{id}", JobViews.From(job));
    }
}
