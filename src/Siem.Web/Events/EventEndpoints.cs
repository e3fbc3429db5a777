using Microsoft.EntityFrameworkCore;
using Siem.Domain.Records;
using Siem.Web.Identity;
using Siem.Store.Identity;
using Siem.Store.Persistence;

using Siem.Store.Events;

namespace Siem.Web.Events;

public static class EventEndpoints
{
    public static void MapEventEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/events", async (SiemDbContext db, DateTimeOffset? from, DateTimeOffset? to, string? label, string? category, bool? unknown,
                string? q, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 50, 1, EventQueries.MaxPageSize);
                var number = Math.Max(page ?? 1, 1);
                if (!TryParse(q, out var predicate, out var invalid))
                {
                    return invalid;
                }

                var query = (await EventSearch.FilterAsync(db, predicate, from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds(), ct))
                    .Apply(new EventFilter(null, null, label, category, unknown));
                var (total, isLowerBound) = await query.CountUpToCapAsync(ct);
                var items = await query.OrderByDescending(e => e.TimeMs).ThenByDescending(e => e.Id)
                    .Skip((number - 1) * size).Take(size).ToViews().ToListAsync(ct);
                return Results.Ok(new Page<EventView>(items, total, number, size, isLowerBound));
            })
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("Classified events, newest first (filters: from, to, label, category, unknown, q = a query such as 'label:neptune and src_bytes>1000'; paging: page, pageSize; total is counted up to 10,000, totalIsLowerBound says when more matched)");

        api.MapGet("/events/{id:long}", async (long id, SiemDbContext db, Siem.Detection.Model.OnnxClassifier classifier, CancellationToken ct) =>
            {
                var stored = await db.Events.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
                if (stored is null)
                {
                    return Results.Problem($"No event {id}.", statusCode: StatusCodes.Status404NotFound);
                }

                var view = await db.Events.AsNoTracking().Where(e => e.Id == id).ToViews().SingleAsync(ct);
                var features = KddFeatures.Names.Zip(stored.Connection.FeatureTexts()).ToDictionary(p => p.First, p => p.Second);
                var top = classifier.Classify(stored.Connection).Top(3).Select(t => new { Label = classifier.Labels[t.Index], Score = t.Score });
                return Results.Ok(new { Event = view, Features = features, TopClasses = top });
            })
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("One event with its 41 features and the model's three likeliest classes (scored now by the current model)");
        api.MapGet("/events/histogram", async (SiemDbContext db, DateTimeOffset? from, DateTimeOffset? to, string? q, CancellationToken ct) =>
            {
                if (!TryParse(q, out var predicate, out var invalid))
                {
                    return invalid;
                }

                var (fromMs, toMs) = (from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds());
                var (_, isLowerBound) = await (await EventSearch.FilterAsync(db, predicate, fromMs, toMs, ct)).CountUpToCapAsync(ct);
                return await EventSearch.HistogramAsync(db, predicate, fromMs, toMs, matchesAreFew: !isLowerBound, ct) is { } histogram
                    ? Results.Ok(new { histogram.BucketSeconds, Buckets = histogram.Buckets.Select(b => new { b.Start, b.Count }) })
                    : Results.Problem("Over 10,000 matches of a query the per-minute rollups cannot count (they know label and category): narrow the query or the range.",
                        title: "No histogram for this query", statusCode: StatusCodes.Status422UnprocessableEntity);
            })
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("Matches per interval (q, from, to as for /api/events): exact from the rollups for label/category queries, else counted when there are at most 10,000 matches");
        api.MapGet("/events/export", async (HttpContext context, SiemDbContext db, DateTimeOffset? from, DateTimeOffset? to, string? q, CancellationToken ct) =>
            {
                if (!TryParse(q, out var predicate, out var invalid))
                {
                    await invalid.ExecuteAsync(context);
                    return;
                }

                var events = await EventSearch.FilterAsync(db, predicate, from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds(), ct);
                context.Response.ContentType = "text/csv; charset=utf-8";
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"events-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
                await EventExport.WriteAsync(events, context.Response.Body, ct);
            })
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("Every event the query matches (q, from, to as for /api/events) as CSV, oldest first, streamed");
    }

    /// <summary>Parses the explorer query; a bad one becomes a 400 problem saying what and where.</summary>
    private static bool TryParse(string? q, out System.Linq.Expressions.Expression<Func<SecurityEvent, bool>> predicate, out IResult invalid)
    {
        try
        {
            predicate = EventQuery.Parse(q);
            invalid = Results.Ok();
            return true;
        }
        catch (EventQueryException e)
        {
            predicate = _ => false;
            invalid = Results.Problem(e.Message, title: "The query is not valid", statusCode: StatusCodes.Status400BadRequest);
            return false;
        }
    }
}
