using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Events;
using Siem.Store.Persistence;

namespace Siem.Store.Incidents;

/// <summary>An incident's alerts over its lifetime (for a sparkline) and a few of them to look at.</summary>
public sealed record IncidentActivityData(int BucketSeconds, IReadOnlyList<(DateTimeOffset Start, long Alerts)> Buckets, IReadOnlyList<EventView> Samples);

/// <summary>
/// An incident's events are those of its class (or any unknown verdict) on its host within its first/last
/// seen range: the same query as the "open its events" link, run through the explorer's search.
/// </summary>
public static class IncidentActivity
{
    public const int SampleCount = 10;
    private const int MaxBuckets = 60;

    public static string EventQueryOf(IncidentSummary incident)
    {
        var query = incident.Label == IncidentRules.UnknownLabel ? "unknown:true" : $"label:{incident.Label}";
        return incident.DstHost is { } host ? $"{query} and dst_ip:\"{host}\"" : query;
    }

    /// <summary>The incident's first events (for its detail, and to prefill an exception).</summary>
    public static async Task<List<EventView>> SamplesAsync(SiemDbContext db, IncidentSummary incident, CancellationToken cancellationToken = default) =>
        await (await EventsOfAsync(db, incident, cancellationToken)).OrderBy(e => e.TimeMs).ThenBy(e => e.Id).Take(SampleCount).ToViews().ToListAsync(cancellationToken);

    /// <summary>All of the incident's events (a query, not yet run).</summary>
    public static Task<IQueryable<SecurityEvent>> EventsOfAsync(SiemDbContext db, IncidentSummary incident, CancellationToken cancellationToken) =>
        EventSearch.FilterAsync(db, EventQuery.Parse(EventQueryOf(incident)), incident.FirstSeen.ToUnixTimeMilliseconds(), incident.LastSeen.ToUnixTimeMilliseconds() + 1, cancellationToken);

    public static async Task<IncidentActivityData> LoadAsync(SiemDbContext db, IncidentSummary incident, CancellationToken cancellationToken = default)
    {
        var fromMs = incident.FirstSeen.ToUnixTimeMilliseconds();
        var toMs = incident.LastSeen.ToUnixTimeMilliseconds() + 1;
        var events = await EventsOfAsync(db, incident, cancellationToken);

        // The smallest round interval that gives the sparkline at most MaxBuckets points.
        var bucketMs = Stats.TimeBuckets.IntervalMs(toMs - fromMs, MaxBuckets);
        var start = fromMs / bucketMs;
        var counts = await events.GroupBy(e => e.TimeMs / bucketMs)
            .Select(g => new BucketCount { Bucket = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(b => b.Bucket, b => b.Count, cancellationToken);
        var buckets = new List<(DateTimeOffset, long)>();
        for (var bucket = start; bucket * bucketMs < toMs; bucket++)
        {
            buckets.Add((DateTimeOffset.FromUnixTimeMilliseconds(bucket * bucketMs), counts.GetValueOrDefault(bucket)));
        }

        var samples = await SamplesAsync(db, incident, cancellationToken);
        return new IncidentActivityData((int)(bucketMs / 1000), buckets, samples);
    }

    private sealed class BucketCount
    {
        public long Bucket { get; init; }
        public long Count { get; init; }
    }
}
