namespace Siem.Store.Stats;

/// <summary>Round chart intervals (1 s ... 1 week), so that buckets start on readable times.</summary>
public static class TimeBuckets
{
    private static readonly long[] IntervalsMs =
        [1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 604_800_000];

    /// <summary>The smallest round interval of at least <paramref name="minimumMs"/> that cuts <paramref name="spanMs"/> into at most <paramref name="maxBuckets"/>.</summary>
    public static long IntervalMs(long spanMs, int maxBuckets, long minimumMs = 1_000) =>
        IntervalsMs.FirstOrDefault(ms => ms >= minimumMs && spanMs / ms < maxBuckets, IntervalsMs[^1]);

    /// <summary>"5 s", "10 min", "1 h", "1 d".</summary>
    public static string Describe(long intervalMs)
    {
        var seconds = intervalMs / 1000;
        return seconds % 86_400 == 0 ? $"{seconds / 86_400} d" : seconds % 3_600 == 0 ? $"{seconds / 3_600} h" : seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds} s";
    }
}
