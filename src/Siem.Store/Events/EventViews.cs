using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Events;

public sealed record EventView(long Id, DateTimeOffset Time, string Label, string Category, float Confidence, bool Unknown, bool IsAlert,
    string Protocol, string Service, string Flag, long SrcBytes, long DstBytes, string? SrcIp, string? DstIp, int? SrcPort, int? DstPort,
    string? ActualLabel, long JobId, long Line, double Duration = 0, int Count = 0, string? ClosestLabel = null, bool Suppressed = false, string? Rule = null,
    string? Uid = null, string? CommunityId = null)
{
    /// <summary>Where the record came from: its job's file or stream name (filled in by <see cref="EventService"/>).</summary>
    public string? Source { get; init; }

    /// <summary>What it came as (<see cref="Ingest.InputFormats"/>), when the job knew.</summary>
    public string? Format { get; init; }
}

/// <param name="TotalIsLowerBound">True when more matched than were counted (<see cref="EventQueries.CountCap"/>): "10,000+".</param>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total, int PageNumber, int PageSize, bool TotalIsLowerBound = false);

public sealed record EventFilter(DateTimeOffset? From, DateTimeOffset? To, string? Label, string? Category, bool? Unknown);

public static class EventQueries
{
    public const int MaxPageSize = 500;

    /// <summary>
    /// Matches are counted up to this many. Beyond it an exact count means reading every matching row of a
    /// store of millions (a second or more), and an analyst only needs to know it is "more than 10,000".
    /// </summary>
    public const int CountCap = 10_000;

    public static Task<MatchCount> CountUpToCapAsync(this IQueryable<SecurityEvent> events, CancellationToken cancellationToken) =>
        events.CountUpToAsync(CountCap, cancellationToken);

    /// <summary>The number of matches when at most <paramref name="cap"/>, else <paramref name="cap"/> as a lower bound.</summary>
    public static async Task<MatchCount> CountUpToAsync(this IQueryable<SecurityEvent> events, int cap, CancellationToken cancellationToken)
    {
        var count = await events.Take(cap + 1).LongCountAsync(cancellationToken);
        return count > cap ? new MatchCount(cap, true) : new MatchCount(count, false);
    }

    public static IQueryable<SecurityEvent> Apply(this IQueryable<SecurityEvent> events, EventFilter filter)
    {
        if (filter.From is { } from)
        {
            var fromMs = from.ToUnixTimeMilliseconds();
            events = events.Where(e => e.TimeMs >= fromMs);
        }

        if (filter.To is { } to)
        {
            var toMs = to.ToUnixTimeMilliseconds();
            events = events.Where(e => e.TimeMs < toMs);
        }

        if (!string.IsNullOrWhiteSpace(filter.Label))
        {
            var label = filter.Label.Trim().ToLowerInvariant();
            events = events.Where(e => e.Label == label);
        }

        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            var category = filter.Category.Trim().ToLowerInvariant();
            events = events.Where(e => e.Category == category);
        }

        if (filter.Unknown is { } unknown)
        {
            events = events.Where(e => e.Unknown == unknown);
        }

        return events;
    }

    public static IQueryable<EventView> ToViews(this IQueryable<SecurityEvent> events) => events.Select(e => new EventView(
        e.Id, DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs), e.Label, e.Category, e.Confidence, e.Unknown, e.IsAlert,
        e.Connection.ProtocolType, e.Connection.Service, e.Connection.Flag, e.Connection.SrcBytes, e.Connection.DstBytes,
        e.Connection.SrcIp == null ? null : e.Connection.SrcIp.ToString(), e.Connection.DstIp == null ? null : e.Connection.DstIp.ToString(),
        e.Connection.SrcPort, e.Connection.DstPort, e.Connection.Label, e.JobId, e.Line, e.Connection.Duration, e.Connection.Count, e.ClosestLabel, e.Suppressed, e.Rule,
        e.Connection.Uid, e.Connection.CommunityId));

    /// <summary>The views with their job's name and format, read in one query for the whole page.</summary>
    internal static async Task<List<EventView>> WithSourcesAsync(this List<EventView> views, SiemDbContext db, CancellationToken cancellationToken)
    {
        var ids = views.Select(v => v.JobId).Distinct().ToList();
        var jobs = await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id))
            .Select(j => new { j.Id, j.FileName, j.Format }).ToDictionaryAsync(j => j.Id, cancellationToken);
        return views.Select(v => jobs.TryGetValue(v.JobId, out var job) ? v with { Source = job.FileName, Format = job.Format } : v).ToList();
    }
}
