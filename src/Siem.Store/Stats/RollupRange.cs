namespace Siem.Store.Stats;

/// <summary>
/// The one definition of which rollup minutes a time range [from, to) reads: every minute that overlaps it,
/// so the minute a range starts in and the (partial) minute it ends in both count. Used by the timeline,
/// the breakdowns, the explorer's search and its histogram.
/// </summary>
public readonly record struct RollupRange(long? FromMinute, long? ToMinuteExclusive)
{
    private const long MinuteMs = 60_000;

    public static RollupRange Of(long? fromMs, long? toMs) => new(
        fromMs is { } from ? Math.DivRem(from, MinuteMs).Quotient - (from < 0 && from % MinuteMs != 0 ? 1 : 0) : null,
        toMs is { } to ? Math.DivRem(to - 1, MinuteMs).Quotient + 1 : null);

    public static RollupRange Of(DateTimeOffset? from, DateTimeOffset? to) => Of(from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds());

    public IQueryable<T> Apply<T>(IQueryable<T> rollups)
        where T : class, Persistence.IPerMinute
    {
        if (FromMinute is { } from)
        {
            rollups = rollups.Where(r => r.Minute >= from);
        }

        if (ToMinuteExclusive is { } to)
        {
            rollups = rollups.Where(r => r.Minute < to);
        }

        return rollups;
    }
}
