using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Store;
using Siem.Store.Identity;
using Siem.Store.Ingest;
using Siem.Web.Hosting;
using Siem.Web.Identity;

namespace Siem.Web.Ingest;

/// <summary>What a streaming request achieved. Line numbers are those of the request body.</summary>
/// <param name="Accepted">Records stored (committed) from this request.</param>
/// <param name="Rejected">Bad lines in this request.</param>
/// <param name="Rejections">The first bad lines with their reasons.</param>
/// <param name="ResumeAtLine">When the pipeline was saturated (429): the first body line not taken; send it again from there.</param>
public sealed record IngestSummary(long Accepted, long Rejected, IReadOnlyList<RejectionView> Rejections, long? ResumeAtLine);

public static class StreamEndpoints
{
    private const int ReportedRejections = 100;

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

    private static async Task<IResult> IngestAsync(HttpContext context, StreamIngest ingest, OnnxClassifier classifier, TimeProvider time, IOptions<SiemOptions> options, CancellationToken cancellationToken)
    {
        var source = await ingest.SourceAsync(context.User.Identity?.Name ?? "unknown", cancellationToken);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null; // a stream may be long; memory stays bounded by the batches
        }

        // The readers are synchronous enumerators: let them read the body on a pool thread.
        context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        var ndjson = context.Request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
        var lines = ndjson ? NdjsonReader.Read(context.Request.Body) : KddCsvReader.Read(context.Request.Body);
        var batchSize = options.Value.Ingest.StreamBatchSize;

        return await Task.Run(async () =>
        {
            var pending = new List<(StreamBatch Batch, long FirstBodyLine)>();
            var rejections = new List<RejectionView>();
            long rejected = 0;
            long? resumeAt = null;
            var batch = new List<ParsedLine>(batchSize);
            long firstBodyLine = 0;

            async Task<bool> FlushAsync()
            {
                if (batch.Count == 0)
                {
                    return true;
                }

                var first = source.Reserve(batch.Count);
                var numbered = batch.Select((l, i) => ParsedLine.Ok(first + i, l.Record!)).ToList();
                var predictions = classifier.Classify(batch.Select(l => l.Record!).ToList());
                var queued = new StreamBatch(source.JobId, numbered, predictions, time.GetUtcNow().ToUnixTimeMilliseconds());
                if (!await ingest.TryEnqueueAsync(queued, cancellationToken))
                {
                    resumeAt = firstBodyLine;
                    return false;
                }

                pending.Add((queued, firstBodyLine));
                batch = new List<ParsedLine>(batchSize);
                return true;
            }

            try
            {
                foreach (var line in lines)
                {
                    if (!line.IsValid)
                    {
                        rejected++;
                        if (rejections.Count < ReportedRejections)
                        {
                            rejections.Add(new RejectionView(line.LineNumber, line.Error!));
                        }

                        continue;
                    }

                    if (batch.Count == 0)
                    {
                        firstBodyLine = line.LineNumber;
                    }

                    batch.Add(line);
                    if (batch.Count == batchSize && !await FlushAsync())
                    {
                        break;
                    }
                }

                if (resumeAt is null)
                {
                    await FlushAsync();
                }
            }
            catch (KddFormatException e)
            {
                return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
            }

            long accepted = 0;
            foreach (var (queued, _) in pending)
            {
                accepted += (await queued.Stored.Task).Classified;
            }

            var summary = new IngestSummary(accepted, rejected, rejections, resumeAt);
            if (resumeAt is not null)
            {
                context.Response.Headers.RetryAfter = "1";
                return Results.Json(summary, statusCode: StatusCodes.Status429TooManyRequests);
            }

            return Results.Ok(summary);
        }, cancellationToken);
    }
}
