using Microsoft.EntityFrameworkCore;
using Siem.Web.Identity;
using Siem.Web.Persistence;

namespace Siem.Web.Events;

public static class EventEndpoints
{
    public static void MapEventEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/events", async (SiemDbContext db, DateTimeOffset? from, DateTimeOffset? to, string? label, string? category, bool? unknown,
                int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 50, 1, EventQueries.MaxPageSize);
                var number = Math.Max(page ?? 1, 1);
                var query = db.Events.AsNoTracking().Apply(new EventFilter(from, to, label, category, unknown));
                var total = await query.LongCountAsync(ct);
                var items = await query.OrderByDescending(e => e.TimeMs).ThenByDescending(e => e.Id)
                    .Skip((number - 1) * size).Take(size).ToViews().ToListAsync(ct);
                return new Page<EventView>(items, total, number, size);
            })
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("Classified events, newest first (filters: from, to, label, category, unknown; paging: page, pageSize)");
    }
}
