using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Store;
using Siem.Store.Identity;
using Siem.Store.Ingest;
using Siem.Store.Models;
using Siem.Web.Hosting;
using Siem.Web.Identity;

namespace Siem.Web.Ingest;

/// <summary>What a streaming request achieved (see <see cref="StreamOutcome"/>).</summary>
public sealed record IngestSummary(long Accepted, long Rejected, IReadOnlyList<RejectionView> Rejections, long? ResumeAtLine);

public static class StreamEndpoints
{
    public static void MapStreamEndpoints(this RouteGroupBuilder api) =>
        api.MapPost("/ingest", IngestAsync)
            .RequireAuthorization(new AuthorizeAttribute
            {
                AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName,
                Roles = $"{SiemRoles.Admin},{SiemRoles.Analyst}",
            })
            .WithSummary("Stream connection records (CSV, or NDJSON with Content-Type application/x-ndjson; gzip allowed) by API key")
            .Produces<IngestSummary>()
            .Produces<IngestSummary>(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> IngestAsync(HttpContext context, StreamIngest ingest, ActiveModel models, TimeProvider time, IOptions<SiemOptions> options, CancellationToken cancellationToken)
    {
        // Each stream holds a reader thread while its sender is slow: past the cap, answer at once instead.
        if (!ingest.TryEnterStream())
        {
            context.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem($"{options.Value.Ingest.MaxConcurrentStreams} streams are already being read; try again shortly.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many streams");
        }

        try
        {
            return await IngestAdmittedAsync(context, ingest, models, time, options, cancellationToken);
        }
        finally
        {
            ingest.ExitStream();
        }
    }

    private static async Task<IResult> IngestAdmittedAsync(HttpContext context, StreamIngest ingest, ActiveModel models, TimeProvider time, IOptions<SiemOptions> options, CancellationToken cancellationToken)
    {
        var source = await ingest.SourceAsync(context.User.Identity?.Name ?? "unknown", cancellationToken);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null; // a stream may be long; memory stays bounded by the batches
        }

        // The readers are synchronous enumerators: they read the body on a thread of their own (OffThreadLines), never a pool thread.
        context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        var ndjson = context.Request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        var reading = KddReaderOptions.Default with { Decompression = options.Value.Ingest.DecompressionLimit };
        var lines = ndjson ? NdjsonReader.Read(context.Request.Body, reading) : KddCsvReader.Read(context.Request.Body, reading);
        var session = new StreamSession(ingest, source, models.Current, time, options.Value.Ingest.StreamBatchSize);
        StreamOutcome outcome;
        try
        {
            outcome = await session.RunAsync(OffThreadLines.ReadAsync(lines, cancellationToken), cancellationToken);
        }
        catch (KddFormatException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        var summary = new IngestSummary(outcome.Accepted, outcome.Rejected, outcome.Rejections, outcome.ResumeAtLine);
        if (outcome.Saturated)
        {
            context.Response.Headers.RetryAfter = "1";
            return TypedResults.Json(summary, statusCode: StatusCodes.Status429TooManyRequests);
        }

        return TypedResults.Ok(summary);
    }
}
