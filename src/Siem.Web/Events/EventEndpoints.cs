using Siem.Store;
using Siem.Store.Events;
using Siem.Store.Identity;

namespace Siem.Web.Events;

/// <summary>The events API over <see cref="EventService"/>, the same service the explorer page calls; bad queries are 400s (the API's error filter).</summary>
public static class EventEndpoints
{
    public static void MapEventEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/events", async (EventService events, DateTimeOffset? from, DateTimeOffset? to, string? label, string? category, bool? unknown,
                string? q, int? page, int? pageSize, bool? count, CancellationToken ct) =>
                TypedResults.Ok(await events.SearchAsync(
                    new EventSearchRequest(q, Ms(from), Ms(to), new EventFilter(null, null, label, category, unknown), page ?? 1, pageSize ?? 50, count ?? true), ct)))
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("Classified events, newest first (filters: from, to, label, category, unknown, q = a query such as 'label:neptune and src_bytes>1000'; paging: page, pageSize; " +
                         "total is counted up to 10,000 within Siem:Store:CountBudget, totalIsLowerBound says when more matched; count=false: the page alone, total only what the pages show)");

        api.MapGet("/events/count", async (EventService events, DateTimeOffset? from, DateTimeOffset? to, string? label, string? category, bool? unknown, string? q, CancellationToken ct) =>
                TypedResults.Ok(await events.CountAsync(new EventSearchRequest(q, Ms(from), Ms(to), new EventFilter(null, null, label, category, unknown)), ct)))
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("How many events match (the filters of /api/events): total up to 10,000 within Siem:Store:CountBudget; totalIsLowerBound when more matched or time ran out");

        api.MapGet("/events/{id:long}", async (long id, EventService events, CancellationToken ct) =>
                await events.GetAsync(id, ct) is { } detail
                    ? Results.Ok(new { detail.Event, Features = detail.Features.ToDictionary(), detail.TopClasses })
                    : Results.Problem($"No event {id}.", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("One event with its 41 features and the model's three likeliest classes (scored now by the current model)");

        api.MapGet("/events/histogram", async (EventService events, DateTimeOffset? from, DateTimeOffset? to, string? q, CancellationToken ct) =>
                await events.HistogramAsync(q, Ms(from), Ms(to), cancellationToken: ct) is { } histogram
                    ? Results.Ok(new { histogram.BucketSeconds, Buckets = histogram.Buckets.Select(b => new { b.Start, b.Count }) })
                    : Results.Problem("Over 10,000 matches of a query the per-minute rollups cannot count (they know label and category): narrow the query or the range.",
                        title: "No histogram for this query", statusCode: StatusCodes.Status422UnprocessableEntity))
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("Matches per interval (q, from, to as for /api/events): exact from the rollups for label/category queries, else counted when there are at most 10,000 matches");

        api.MapGet("/events/export", async (HttpContext context, EventService events, DateTimeOffset? from, DateTimeOffset? to, string? q, string? format, CancellationToken ct) =>
            {
                // Checked before the response starts, so a bad query or format is still a 400.
                EventService.Validate(q);
                var ecs = format?.ToLowerInvariant() switch
                {
                    null or "" or "csv" => false,
                    "ecs" => true,
                    _ => throw new InvalidInputException($"Unknown format '{format}': csv (default) or ecs (Elastic Common Schema NDJSON)."),
                };
                context.Response.ContentType = ecs ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8";
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"events-{DateTime.UtcNow:yyyyMMdd-HHmmss}.{(ecs ? "ndjson" : "csv")}\"";
                await events.ExportAsync(q, Ms(from), Ms(to), context.Response.Body, ecs, ct);
                return Results.Empty;
            })
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("Every event the query matches (q, from, to as for /api/events), oldest first, streamed: format=csv (default) or ecs (Elastic Common Schema NDJSON)");
    }

    private static long? Ms(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();
}
