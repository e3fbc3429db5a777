using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Events;

/// <summary>
/// The explorer's search, shared by the Events page and <c>GET /api/events</c>. When the query can only
/// match some labels or categories (<c>label:guess_passwd and ...</c>, <c>category:u2r</c>), the per-minute
/// rollups say in which minutes such events exist, and the search reads only those stretches of the time
/// index: a rare label among millions of events is found in milliseconds instead of a full scan,
/// without an index on label that every insert would pay for.
/// </summary>
public sealed record EventHistogram(int BucketSeconds, IReadOnlyList<(DateTimeOffset Start, long Count)> Buckets);

public static class EventSearch
{
    /// <summary>At most this many time ranges are added to a query; beyond it, the closest ones are joined.</summary>
    public const int MaxRanges = 20;

    /// <summary>
    /// PostgreSQL reads many exact ranges as one bitmap of index scans: a rare label's 72 minutes of a 5M-event week
    /// took 85 ms as 72 ranges and 833 ms joined into 20 wider ones (which SQLite, walking the index, does not mind).
    /// </summary>
    public const int MaxRangesPostgres = 500;

    public static async Task<IQueryable<SecurityEvent>> FilterAsync(
        SiemDbContext db, Expression<Func<SecurityEvent, bool>> predicate, long? fromMs, long? toMs, CancellationToken cancellationToken)
    {
        var events = db.Events.AsNoTracking().Where(predicate);
        if (fromMs is { } from)
        {
            events = events.Where(e => e.TimeMs >= from);
        }

        if (toMs is { } to)
        {
            events = events.Where(e => e.TimeMs < to);
        }

        if (RollupCondition(predicate) is not { } condition)
        {
            return events;
        }

        // One row a minute (the rollups hold one a label), with the minute's matches by the rollups.
        var rollups = await RollupsIn(db, fromMs, toMs).Where(condition)
            .GroupBy(r => r.Minute).Select(g => new { Minute = g.Key, Count = g.Sum(r => r.Count) }).OrderBy(m => m.Minute)
            .ToListAsync(cancellationToken);
        var minutes = rollups.ConvertAll(r => r.Minute);
        if (db.Database.IsNpgsql())
        {
            return events.Where(InRanges(Ranges(minutes, MaxRangesPostgres)));
        }

        if (rollups.Sum(r => r.Count) > FewMatches)
        {
            return events.Where(InRanges(Ranges(minutes, MaxRanges)));
        }

        // Few matches: SQLite, asked for them newest first with a LIMIT, walks the time index and tests each event
        // against the ranges (a rare label's page and export took 1.3 s at 5M events as 20 joined ranges, 3.2 s as 72
        // exact ones); asked for their ids alone it reads each exact range through the index, and the ids make a query
        // SQLite answers by rowid.
        var ids = await events.Where(InRanges(Ranges(minutes, MaxRangesPostgres))).Select(e => e.Id).ToListAsync(cancellationToken);
        return db.Events.AsNoTracking().Where(e => ids.Contains(e.Id));
    }

    /// <summary>At most this many matches by the rollups (SQLite): they are found by id rather than through the time index.</summary>
    internal const int FewMatches = 10_000;

    /// <summary>The rollup minutes that overlap [from, to).</summary>
    private static IQueryable<RollupMinute> RollupsIn(SiemDbContext db, long? fromMs, long? toMs) =>
        Stats.RollupRange.Of(fromMs, toMs).Apply(db.Rollups.AsNoTracking());

    /// <summary>
    /// What the event predicate implies about an event's label and category, as a condition on the rollups,
    /// or null when it implies nothing (e.g. <c>unknown:true</c>, <c>not label:normal</c>).
    /// </summary>
    internal static Expression<Func<RollupMinute, bool>>? RollupCondition(Expression<Func<SecurityEvent, bool>> predicate) => ToRollups(predicate, exact: false);

    /// <summary>The same condition when the predicate says nothing else (only label, category, and, or): the rollups then count its matches exactly.</summary>
    internal static Expression<Func<RollupMinute, bool>>? ExactRollupCondition(Expression<Func<SecurityEvent, bool>> predicate) => ToRollups(predicate, exact: true);

    private static Expression<Func<RollupMinute, bool>>? ToRollups(Expression<Func<SecurityEvent, bool>> predicate, bool exact)
    {
        var rollup = Expression.Parameter(typeof(RollupMinute), "r");
        return Translate(predicate.Body, rollup, exact) is { } body ? Expression.Lambda<Func<RollupMinute, bool>>(body, rollup) : null;
    }

    private static Expression? Translate(Expression node, ParameterExpression rollup, bool exact) => node switch
    {
        ConstantExpression { Value: true } when exact => Expression.Constant(true), // the empty query
        BinaryExpression { NodeType: ExpressionType.Equal, Left: MemberExpression { Member.Name: nameof(SecurityEvent.Label) or nameof(SecurityEvent.Category) } member, Right: var value }
            when member.Expression is ParameterExpression && QueryValue.IsValue(value) =>
            Expression.Equal(Expression.Property(rollup, member.Member.Name), value),
        // "a and b" implies whichever side says something; both when both do.
        BinaryExpression { NodeType: ExpressionType.AndAlso } and =>
            (Translate(and.Left, rollup, exact), Translate(and.Right, rollup, exact)) switch
            {
                ({ } left, { } right) => Expression.AndAlso(left, right),
                ({ } left, null) => exact ? null : left,
                (null, var right) => exact ? null : right,
            },
        // "a or b" implies something only when both sides do.
        BinaryExpression { NodeType: ExpressionType.OrElse } or =>
            Translate(or.Left, rollup, exact) is { } left && Translate(or.Right, rollup, exact) is { } right ? Expression.OrElse(left, right) : null,
        _ => null,
    };

    /// <summary>
    /// Matches over time, for the histogram above the results: from the rollups when they count the query
    /// exactly, from the events when there are few matches (<paramref name="matchesAreFew"/>), else null:
    /// counting millions of arbitrary matches per minute would cost as much as the full count avoided.
    /// </summary>
    public static async Task<EventHistogram?> HistogramAsync(
        SiemDbContext db, Expression<Func<SecurityEvent, bool>> predicate, long? fromMs, long? toMs, bool matchesAreFew, CancellationToken cancellationToken)
    {
        List<MinuteCount> minutes;
        if (ExactRollupCondition(predicate) is { } condition)
        {
            minutes = await RollupsIn(db, fromMs, toMs).Where(condition).GroupBy(r => r.Minute).Select(g => new MinuteCount { Minute = g.Key, Count = g.Sum(r => r.Count) }).ToListAsync(cancellationToken);
        }
        else if (matchesAreFew)
        {
            var events = await FilterAsync(db, predicate, fromMs, toMs, cancellationToken);
            minutes = await events.GroupBy(e => e.TimeMs / 60_000).Select(g => new MinuteCount { Minute = g.Key, Count = g.LongCount() }).ToListAsync(cancellationToken);
        }
        else
        {
            return null;
        }

        if (minutes.Count == 0)
        {
            return new EventHistogram(60, []);
        }

        var endMs = toMs ?? (minutes.Max(m => m.Minute) + 1) * 60_000;
        // Without a range, at least half an hour up to the last match, so a short burst shows as bars, not one slab.
        var startMs = fromMs ?? Math.Min(minutes.Min(m => m.Minute) * 60_000, endMs - 1_800_000);
        var bucketMs = Stats.TimeBuckets.IntervalMs(endMs - startMs, HistogramBuckets, minimumMs: 60_000);
        var counts = minutes.GroupBy(m => m.Minute * 60_000 / bucketMs).ToDictionary(g => g.Key, g => g.Sum(m => m.Count));
        var buckets = new List<(DateTimeOffset, long)>();
        for (var bucket = startMs / bucketMs; bucket * bucketMs < endMs; bucket++)
        {
            buckets.Add((DateTimeOffset.FromUnixTimeMilliseconds(bucket * bucketMs), counts.GetValueOrDefault(bucket)));
        }

        return new EventHistogram((int)(bucketMs / 1000), buckets);
    }

    private const int HistogramBuckets = 60;

    private sealed class MinuteCount
    {
        public long Minute { get; init; }
        public long Count { get; init; }
    }

    /// <summary>Sorted minutes as at most <paramref name="maxRanges"/> [from, to) millisecond ranges covering them all.</summary>
    internal static List<(long FromMs, long ToMs)> Ranges(IReadOnlyList<long> sortedMinutes, int maxRanges)
    {
        var runs = new List<(long Start, long End)>();
        foreach (var minute in sortedMinutes)
        {
            if (runs.Count > 0 && runs[^1].End == minute)
            {
                runs[^1] = (runs[^1].Start, minute + 1);
            }
            else
            {
                runs.Add((minute, minute + 1));
            }
        }

        if (runs.Count > maxRanges)
        {
            // Keep the widest gaps as breaks; join across the others.
            var breaks = Enumerable.Range(1, runs.Count - 1).OrderByDescending(i => runs[i].Start - runs[i - 1].End).Take(maxRanges - 1).ToHashSet();
            var joined = new List<(long Start, long End)> { runs[0] };
            for (var i = 1; i < runs.Count; i++)
            {
                if (breaks.Contains(i))
                {
                    joined.Add(runs[i]);
                }
                else
                {
                    joined[^1] = (joined[^1].Start, runs[i].End);
                }
            }

            runs = joined;
        }

        return [.. runs.Select(r => (r.Start * 60_000, r.End * 60_000))];
    }

    private static Expression<Func<SecurityEvent, bool>> InRanges(List<(long FromMs, long ToMs)> ranges)
    {
        var e = Expression.Parameter(typeof(SecurityEvent), "e");
        var time = Expression.Property(e, nameof(SecurityEvent.TimeMs));
        var body = ranges.Select(r => (Expression)Expression.AndAlso(
                Expression.GreaterThanOrEqual(time, Expression.Constant(r.FromMs)),
                Expression.LessThan(time, Expression.Constant(r.ToMs))))
            .Aggregate<Expression, Expression>(Expression.Constant(false), (all, next) => all is ConstantExpression ? next : Expression.OrElse(all, next));
        return Expression.Lambda<Func<SecurityEvent, bool>>(body, e);
    }
}
