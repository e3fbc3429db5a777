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
/// <param name="AlreadyStored">Of the accepted records, those an earlier try of the same stream lines had stored (exactly-once retries).</param>
public sealed record IngestSummary(long Accepted, long Rejected, IReadOnlyList<RejectionView> Rejections, long? ResumeAtLine, long AlreadyStored = 0);

public static class StreamEndpoints
{
    public static void MapStreamEndpoints(this RouteGroupBuilder api) =>
        api.MapPost("/ingest", IngestAsync)
            .RequireAuthorization(new AuthorizeAttribute
            {
                AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName,
                Roles = $"{SiemRoles.Admin},{SiemRoles.Analyst}",
            })
            .WithSummary("Stream connection records by API key: KDD CSV, NDJSON, or a Zeek conn.log (TSV or JSON); gzip allowed")
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
        if (!TryReadSequence(context.Request.Headers, out var streamId, out var firstLine, out var problem))
        {
            return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Bad stream sequence headers");
        }

        var sender = context.User.Identity?.Name ?? "unknown";
        var source = await ingest.SourceAsync(streamId is null ? sender : $"{sender}/{streamId}", cancellationToken);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null; // a stream may be long; memory stays bounded by the batches
        }

        // The readers are synchronous enumerators: they read the body on a thread of their own (OffThreadLines), never a pool thread.
        context.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        // The format is told by the body's first line (KDD CSV, NDJSON, Zeek conn.log as TSV or JSON), read on the reader's thread.
        var reading = KddReaderOptions.Default with { Decompression = options.Value.Ingest.DecompressionLimit };
        var lines = InputFormats.ReadText(context.Request.Body, reading);
        var session = new StreamSession(ingest, source, models.Current, time, options.Value.Ingest.StreamBatchSize, firstLine);
        StreamOutcome outcome;
        try
        {
            outcome = await session.RunAsync(OffThreadLines.ReadAsync(lines, cancellationToken), cancellationToken);
        }
        catch (KddFormatException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        var summary = new IngestSummary(outcome.Accepted, outcome.Rejected, outcome.Rejections, outcome.ResumeAtLine, outcome.AlreadyStored);
        if (outcome.Saturated)
        {
            context.Response.Headers.RetryAfter = "1";
            return TypedResults.Json(summary, statusCode: StatusCodes.Status429TooManyRequests);
        }

        return TypedResults.Ok(summary);
    }

    public const string StreamIdHeader = "X-Siem-Stream-Id";
    public const string FirstLineHeader = "X-Siem-First-Line";

    /// <summary>
    /// The client's sequence: a stream id (its own stream job) and the number of the body's first record line in it.
    /// Both or neither; with them a retried request stores nothing twice.
    /// </summary>
    private static bool TryReadSequence(IHeaderDictionary headers, out string? streamId, out long? firstLine, out string? problem)
    {
        (streamId, firstLine, problem) = (null, null, null);
        var id = headers[StreamIdHeader].ToString();
        var first = headers[FirstLineHeader].ToString();
        if (id.Length == 0 && first.Length == 0)
        {
            return true;
        }

        if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            problem = $"{StreamIdHeader} must be 1 to 64 letters, digits, '-', '_' or '.', and comes with {FirstLineHeader}.";
            return false;
        }

        if (!long.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            problem = $"{FirstLineHeader} must be the stream's number (1 or more) of the body's first record line, and comes with {StreamIdHeader}.";
            return false;
        }

        (streamId, firstLine) = (id, number);
        return true;
    }
}
