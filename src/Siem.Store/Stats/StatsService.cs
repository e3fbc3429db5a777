using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Stats;

public sealed record TimelineBucket(DateTimeOffset Start, IReadOnlyDictionary<string, long> ByCategory, long Total, long Alerts, IReadOnlyDictionary<string, long> ByLabel);

public sealed record Timeline(DateTimeOffset From, DateTimeOffset To, int IntervalSeconds, IReadOnlyList<TimelineBucket> Buckets);

public sealed record Breakdown(DateTimeOffset? From, DateTimeOffset? To, long Total, long Alerts, IReadOnlyDictionary<string, long> ByCategory, IReadOnlyDictionary<string, long> ByLabel);

/// <summary>Chart data from the per-minute rollups (never a scan of the events table).</summary>
public sealed class StatsService(SiemDbContext db, TimeProvider time)
{
    private static readonly int[] IntervalsMinutes = [1, 5, 15, 60, 360, 1440];

    public async Task<Timeline> TimelineAsync(DateTimeOffset? from, DateTimeOffset? to, TimeSpan? interval, CancellationToken ct)
    {
        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddHours(-24);
        var minutes = interval is { } i
            ? Math.Max(1, (int)Math.Round(i.TotalMinutes))
            : IntervalsMinutes.FirstOrDefault(m => (end - start).TotalMinutes / m <= 240, IntervalsMinutes[^1]);
        var (fromMinute, toMinute) = (start.ToUnixTimeSeconds() / 60, end.ToUnixTimeSeconds() / 60);
        var rows = await db.Rollups.AsNoTracking()
            .Where(r => r.Minute >= fromMinute && r.Minute < toMinute)
            .GroupBy(r => new { Bucket = r.Minute / minutes, r.Label, r.Category })
            .Select(g => new { g.Key.Bucket, g.Key.Label, g.Key.Category, Count = g.Sum(r => r.Count), Alerts = g.Sum(r => r.Alerts) })
            .ToListAsync(ct);
        var buckets = rows.GroupBy(r => r.Bucket).OrderBy(g => g.Key).Select(g => new TimelineBucket(
            DateTimeOffset.FromUnixTimeSeconds(g.Key * minutes * 60),
            g.GroupBy(r => r.Category).ToDictionary(c => c.Key, c => c.Sum(r => r.Count)),
            g.Sum(r => r.Count),
            g.Sum(r => r.Alerts),
            g.ToDictionary(r => r.Label, r => r.Count))).ToList();
        return new Timeline(start, end, minutes * 60, buckets);
    }

    public async Task<Breakdown> BreakdownAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var rollups = db.Rollups.AsNoTracking();
        if (from is { } f)
        {
            var m = f.ToUnixTimeSeconds() / 60;
            rollups = rollups.Where(r => r.Minute >= m);
        }

        if (to is { } t)
        {
            var m = t.ToUnixTimeSeconds() / 60;
            rollups = rollups.Where(r => r.Minute < m);
        }

        var byLabel = await rollups.GroupBy(r => new { r.Label, r.Category })
            .Select(g => new { g.Key.Label, g.Key.Category, Count = g.Sum(r => r.Count), Alerts = g.Sum(r => r.Alerts) })
            .ToListAsync(ct);
        return new Breakdown(from, to, byLabel.Sum(r => r.Count), byLabel.Sum(r => r.Alerts),
            byLabel.GroupBy(r => r.Category).ToDictionary(g => g.Key, g => g.Sum(r => r.Count)),
            byLabel.OrderByDescending(r => r.Count).ToDictionary(r => r.Label, r => r.Count));
    }
}
