using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Siem.Web.Persistence;

namespace Siem.Web.Events;

/// <summary>
/// The explorer's search, shared by the Events page and <c>GET /api/events</c>. When the query can only
/// match some labels or categories (<c>label:guess_passwd and ...</c>, <c>category:u2r</c>), the per-minute
/// rollups say in which minutes such events exist, and the search reads only those stretches of the time
/// index: a rare label among millions of events is found in milliseconds instead of a full scan,
/// without an index on label that every insert would pay for.
/// </summary>
public static class EventSearch
{
    /// <summary>At most this many time ranges are added to a query; beyond it, the closest ones are joined.</summary>
    public const int MaxRanges = 20;

    public static async Task<IQueryable<SecurityEvent>> FilterAsync(
        SiemDbContext db, Expression<Func<SecurityEvent, bool>> predicate, long? fromMs, long? toMs, CancellationToken cancellationToken)
    {
        var events = db.Events.AsNoTracking().Where(predicate);
        var rollups = db.Rollups.AsNoTracking();
        if (fromMs is { } from)
        {
            events = events.Where(e => e.TimeMs >= from);
            var minute = Math.DivRem(from, 60_000).Quotient;
            rollups = rollups.Where(r => r.Minute >= minute);
        }

        if (toMs is { } to)
        {
            events = events.Where(e => e.TimeMs < to);
            var minute = Math.DivRem(to - 1, 60_000).Quotient;
            rollups = rollups.Where(r => r.Minute <= minute);
        }

        if (RollupCondition(predicate) is not { } condition)
        {
            return events;
        }

        var minutes = await rollups.Where(condition).Select(r => r.Minute).Distinct().OrderBy(m => m).ToListAsync(cancellationToken);
        return events.Where(InRanges(Ranges(minutes, MaxRanges)));
    }

    /// <summary>
    /// What the event predicate implies about an event's label and category, as a condition on the rollups,
    /// or null when it implies nothing (e.g. <c>unknown:true</c>, <c>not label:normal</c>).
    /// </summary>
    internal static Expression<Func<RollupMinute, bool>>? RollupCondition(Expression<Func<SecurityEvent, bool>> predicate)
    {
        var rollup = Expression.Parameter(typeof(RollupMinute), "r");
        return Translate(predicate.Body, rollup) is { } body ? Expression.Lambda<Func<RollupMinute, bool>>(body, rollup) : null;
    }

    private static Expression? Translate(Expression node, ParameterExpression rollup) => node switch
    {
        BinaryExpression { NodeType: ExpressionType.Equal, Left: MemberExpression { Member.Name: nameof(SecurityEvent.Label) or nameof(SecurityEvent.Category) } member, Right: ConstantExpression value }
            when member.Expression is ParameterExpression =>
            Expression.Equal(Expression.Property(rollup, member.Member.Name), value),
        // "a and b" implies whichever side says something; both when both do.
        BinaryExpression { NodeType: ExpressionType.AndAlso } and =>
            (Translate(and.Left, rollup), Translate(and.Right, rollup)) switch
            {
                ({ } left, { } right) => Expression.AndAlso(left, right),
                ({ } left, null) => left,
                (null, var right) => right,
            },
        // "a or b" implies something only when both sides do.
        BinaryExpression { NodeType: ExpressionType.OrElse } or =>
            Translate(or.Left, rollup) is { } left && Translate(or.Right, rollup) is { } right ? Expression.OrElse(left, right) : null,
        _ => null,
    };

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
