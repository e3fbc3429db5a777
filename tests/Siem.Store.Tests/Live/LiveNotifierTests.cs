using Microsoft.Extensions.Logging.Abstractions;
using Siem.Store.Live;

namespace Siem.Store.Tests.Live;

/// <summary>One subscription API: a minimum interval per subscriber (updates in between merged, never lost) and concurrent dispatch.</summary>
public sealed class LiveNotifierTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_subscriber_is_called_at_most_once_per_interval_with_everything_since_its_last_call()
    {
        var live = new LiveNotifier();
        var calls = new List<LiveUpdate>();
        using var _ = live.Subscribe(u => { calls.Add(u); return Task.CompletedTask; }, TimeSpan.FromSeconds(1));

        foreach (var ms in new[] { 0, 250, 500, 750, 1000 })
        {
            live.PublishCounts([("neptune", "dos", 10)]);
            live.PublishJob(new JobProgress(7, "f.csv", "Running", ms, ms, 0, 0, 0, 0, null, null, null, null));
            var now = T0.AddMilliseconds(ms);
            await live.DispatchAsync(live.Drain(now), now, NullLogger.Instance);
        }

        Assert.Equal(2, calls.Count);                       // at 0 and at 1000
        Assert.Equal(10, calls[0].Counts!.Total);
        Assert.Equal(40, calls[1].Counts!.Total);           // 250 + 500 + 750 + 1000 merged
        Assert.Equal(1000, Assert.Single(calls[1].Jobs).Read); // the latest progress of the job
    }

    [Fact]
    public async Task A_slow_subscriber_holds_up_neither_the_others_nor_itself()
    {
        var live = new LiveNotifier();
        var slowTotals = new List<long>();
        var release = new TaskCompletionSource();
        var fastCalls = new List<LiveUpdate>();
        using var slow = live.Subscribe(async u => { slowTotals.Add(u.Counts!.Total); await release.Task; });
        using var fast = live.Subscribe(u => { fastCalls.Add(u); return Task.CompletedTask; });

        live.PublishCounts([("smurf", "dos", 1)]);
        var first = live.DispatchAsync(live.Drain(T0), T0, NullLogger.Instance);
        live.PublishCounts([("smurf", "dos", 2)]);
        await live.DispatchAsync(live.Drain(T0.AddSeconds(1)), T0.AddSeconds(1), NullLogger.Instance);

        Assert.False(first.IsCompleted);        // the slow one is still busy with its first update
        Assert.Equal(2, fastCalls.Count);       // the fast one got both meanwhile
        Assert.Equal([1L], slowTotals);         // and the busy one was not called again
        release.SetResult();
        await first;
        live.PublishCounts([("smurf", "dos", 4)]);
        await live.DispatchAsync(live.Drain(T0.AddSeconds(2)), T0.AddSeconds(2), NullLogger.Instance);
        Assert.Equal([1L, 6L], slowTotals);     // what it missed while busy (2) arrives with the next (4), once it is free
    }
}
