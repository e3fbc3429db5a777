using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Store;
using Siem.Store.Identity;
using Siem.Store.Ingest;
using Siem.Store.Persistence;
using Siem.Web.Hosting;
using Siem.Web.Identity;

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
        jobs.MapGet("/", async (JobService service, CancellationToken ct) => TypedResults.Ok(await service.RecentAsync(100, ct)));
        jobs.MapGet("/{id:long}", async (long id, JobService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } job ? Results.Ok(job) : NoSuchJob(id));
        jobs.MapGet("/{id:long}/evaluation", async (long id, JobService service, CancellationToken ct) =>
                await service.EvaluateAsync(id, ct) is { } report
                    ? Results.Ok(report)
                    : Results.Problem($"Job {id} has no labelled records to evaluate against.", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("How the model did on a labelled upload: accuracy, macro-F1, per class, 5-category confusion, KDD cost");
        jobs.MapPost("/{id:long}/cancel", async (long id, JobService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.RequestCancelAsync(id, context.User.Identity?.Name ?? "unknown", ct), accepted: true)).RequireAuthorization(SiemPolicies.Act);
        jobs.MapPost("/{id:long}/retry", async (long id, JobService service, HttpContext context, CancellationToken ct) =>
                ToResult(await service.RetryAsync(id, context.User.Identity?.Name ?? "unknown", ct), accepted: true)).RequireAuthorization(SiemPolicies.Act)
            .WithSummary("Go on with a failed upload after its last committed line (nothing is stored twice)");
        jobs.MapPost("/{id:long}/pause", async (long id, JobService service, CancellationToken ct) =>
            ToResult(await service.SetPausedAsync(id, true, ct))).RequireAuthorization(SiemPolicies.Act);
        jobs.MapPost("/{id:long}/resume", async (long id, JobService service, CancellationToken ct) =>
            ToResult(await service.SetPausedAsync(id, false, ct))).RequireAuthorization(SiemPolicies.Act);
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

    private static IResult NoSuchJob(long id) => TypedResults.Problem($"No ingest job {id}.", statusCode: StatusCodes.Status404NotFound);

    private static IResult ToResult(JobActionResult result, bool accepted = false) => result switch
    {
        JobActionResult.Done done when accepted => TypedResults.Accepted($"/api/jobs/{done.Job.Id}", done.Job),
        JobActionResult.Done done => TypedResults.Ok(done.Job),
        JobActionResult.NotFound notFound => NoSuchJob(notFound.Id),
        JobActionResult.Conflict conflict => TypedResults.Problem(conflict.Reason, statusCode: StatusCodes.Status409Conflict),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError),
    };
}
