using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Stats;

public sealed record TimelineBucket(DateTimeOffset Start, IReadOnlyDictionary<string, long> ByCategory, long Total, long Alerts, IReadOnlyDictionary<string, long> ByLabel);

public sealed record Timeline(DateTimeOffset From, DateTimeOffset To, int IntervalSeconds, IReadOnlyList<TimelineBucket> Buckets);

public sealed record Breakdown(DateTimeOffset? From, DateTimeOffset? To, long Total, long Alerts, IReadOnlyDictionary<string, long> ByCategory, IReadOnlyDictionary<string, long> ByLabel);

/// <summary>Chart data from the per-minute rollups (never a scan of the events table), for pages and endpoints alike.</summary>
public sealed class StatsService(IDbContextFactory<SiemDbContext> databases, TimeProvider time)
{
    private static readonly int[] IntervalsMinutes = [1, 5, 15, 60, 360, 1440];

    public async Task<Timeline> TimelineAsync(DateTimeOffset? from, DateTimeOffset? to, TimeSpan? interval, CancellationToken ct = default)
    {
        var end = to ?? time.GetUtcNow();
        var start = from ?? end.AddHours(-24);
        var minutes = interval is { } i
            ? Math.Max(1, (int)Math.Round(i.TotalMinutes))
            : IntervalsMinutes.FirstOrDefault(m => (end - start).TotalMinutes / m <= 240, IntervalsMinutes[^1]);
        await using var db = await databases.CreateDbContextAsync(ct);
        var rows = await RollupRange.Of(start, end).Apply(db.Rollups.AsNoTracking())
            .GroupBy(r => new { Bucket = r.Minute / minutes, r.Label, r.Category })
            .Select(g => new { g.Key.Bucket, g.Key.Label, g.Key.Category, Count = g.Sum(r => r.Count), Alerts = g.Sum(r => r.Alerts) })
            .ToListAsync(ct);
        var buckets = rows.GroupBy(r => r.Bucket).OrderBy(g => g.Key).Select(g => new TimelineBucket(
            DateTimeOffset.FromUnixTimeSeconds(g.Key * minutes * 60),
            g.GroupBy(r => r.Category).ToDictionary(c => c.Key, c => c.Sum(r => r.Count)),
            g.Sum(r => r.Count),
            g.Sum(r => r.Alerts),
            g.GroupBy(r => r.Label).ToDictionary(l => l.Key, l => l.Sum(r => r.Count)))).ToList(); // "unknown" rows carry their likeliest class's category: one label, several categories
        return new Timeline(start, end, minutes * 60, buckets);
    }

    public async Task<Breakdown> BreakdownAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct = default)
    {
        await using var db = await databases.CreateDbContextAsync(ct);
        var byLabel = await RollupRange.Of(from, to).Apply(db.Rollups.AsNoTracking()).GroupBy(r => new { r.Label, r.Category })
            .Select(g => new { g.Key.Label, g.Key.Category, Count = g.Sum(r => r.Count), Alerts = g.Sum(r => r.Alerts) })
            .ToListAsync(ct);
        return new Breakdown(from, to, byLabel.Sum(r => r.Count), byLabel.Sum(r => r.Alerts),
            byLabel.GroupBy(r => r.Category).ToDictionary(g => g.Key, g => g.Sum(r => r.Count)),
            byLabel.GroupBy(r => r.Label).Select(g => (Label: g.Key, Count: g.Sum(r => r.Count))).OrderByDescending(l => l.Count).ToDictionary(l => l.Label, l => l.Count));
    }

    public async Task<AttackBreakdownData> AttacksAsync(DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct = default)
    {
        await using var db = await databases.CreateDbContextAsync(ct);
        return await AttackBreakdown.LoadAsync(db, from, to, ct);
    }

    /// <summary>The first and the last minute that has events (null when the store is empty).</summary>
    public async Task<(DateTimeOffset First, DateTimeOffset End)?> ExtentAsync(CancellationToken ct = default)
    {
        await using var db = await databases.CreateDbContextAsync(ct);
        var first = await db.Rollups.MinAsync(r => (long?)r.Minute, ct);
        var last = await db.Rollups.MaxAsync(r => (long?)r.Minute, ct);
        return first is { } f && last is { } l ? (DateTimeOffset.FromUnixTimeSeconds(f * 60), DateTimeOffset.FromUnixTimeSeconds((l + 1) * 60)) : null;
    }
}
