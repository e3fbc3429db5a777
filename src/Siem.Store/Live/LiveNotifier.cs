using System.Collections.Concurrent;

namespace Siem.Store.Live;

/// <summary>Counts per second by label and category since the previous push.</summary>
public sealed record CountsDelta(DateTimeOffset At, IReadOnlyDictionary<string, long> ByLabel, IReadOnlyDictionary<string, long> ByCategory, long Total);

public sealed record JobProgress(long JobId, string FileName, string Status, long Read, long Classified, long Rejected, long Alerts,
    long IncidentsCreated, double RecordsPerSecond, long? EstimatedTotalLines, DateTime? StartedUtc, DateTime? FinishedUtc, string? Error);

public sealed record IncidentChange(long Id, string Label, string Category, string Severity, string? DstHost, string Status, long AlertCount, long LastSeenMs, bool Created);

/// <summary>One throttled push: everything that changed since the last one.</summary>
public sealed record LiveUpdate(CountsDelta? Counts, IReadOnlyList<JobProgress> Jobs, IReadOnlyList<IncidentChange> Incidents);

public static class LiveUpdates
{
    /// <summary>One update holding both: counts summed, the later progress per job and state per incident kept.</summary>
    public static LiveUpdate Merge(this LiveUpdate earlier, LiveUpdate later)
    {
        var counts = (earlier.Counts, later.Counts) switch
        {
            (null, var c) => c,
            (var c, null) => c,
            ({ } a, { } b) => new CountsDelta(b.At, Sum(a.ByLabel, b.ByLabel), Sum(a.ByCategory, b.ByCategory), a.Total + b.Total),
        };
        var jobs = earlier.Jobs.Concat(later.Jobs).GroupBy(j => j.JobId).Select(g => g.Last()).ToList();
        var incidents = earlier.Incidents.Concat(later.Incidents).GroupBy(i => i.Id)
            .Select(g => g.Any(i => i.Created) ? g.Last() with { Created = true } : g.Last()).ToList();
        return new LiveUpdate(counts, jobs, incidents);
    }

    private static Dictionary<string, long> Sum(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long> b)
    {
        var sum = new Dictionary<string, long>(a, StringComparer.Ordinal);
        foreach (var (key, value) in b)
        {
            sum[key] = sum.GetValueOrDefault(key) + value;
        }

        return sum;
    }
}

/// <summary>
/// The one in-process notification service (the dotnet/eShop pattern): producers publish as often as they
/// like; <see cref="LiveBroadcaster"/> drains at a fixed rate and hands each subscriber (Blazor pages, the
/// SignalR hub bridge) what changed, no more often than the minimum interval it subscribed with: updates in
/// between are merged, never lost. Subscribers are called concurrently, and a subscriber still busy with its
/// last update gets the next one merged when it is done, so a slow page holds up neither itself nor others.
/// Pending state is bounded: counts are summed, and only the latest progress per job and state per incident kept.
/// </summary>
public sealed class LiveNotifier
{
    private readonly Lock _gate = new();
    private Dictionary<string, long> _byLabel = new(StringComparer.Ordinal);
    private Dictionary<string, long> _byCategory = new(StringComparer.Ordinal);
    private long _total;
    private Dictionary<long, JobProgress> _jobs = [];
    private Dictionary<long, IncidentChange> _incidents = [];
    private LiveUpdate? _remote;
    private readonly ConcurrentDictionary<Guid, Subscriber> _subscribers = new();

    /// <summary>
    /// What another node published (several nodes share Redis): its pages' subscribers get it with the next broadcast,
    /// as if it happened here; subscribers that asked for local updates only (the hub bridge: the SignalR backplane
    /// already carries the other node's hub messages) do not.
    /// </summary>
    public void PublishRemote(LiveUpdate update)
    {
        lock (_gate)
        {
            _remote = _remote is null ? update : _remote.Merge(update);
        }
    }

    /// <summary>Takes what other nodes published since the last call (null when nothing).</summary>
    public LiveUpdate? DrainRemote()
    {
        lock (_gate)
        {
            var remote = _remote;
            _remote = null;
            return remote;
        }
    }

    public void PublishCounts(IEnumerable<(string Label, string Category, long Count)> counts)
    {
        lock (_gate)
        {
            foreach (var (label, category, count) in counts)
            {
                _byLabel[label] = _byLabel.GetValueOrDefault(label) + count;
                _byCategory[category] = _byCategory.GetValueOrDefault(category) + count;
                _total += count;
            }
        }
    }

    public void PublishJob(JobProgress progress)
    {
        lock (_gate)
        {
            _jobs[progress.JobId] = progress;
        }
    }

    public void PublishIncident(IncidentChange change)
    {
        lock (_gate)
        {
            // keep "created" if the incident was created since the last push
            _incidents[change.Id] = _incidents.TryGetValue(change.Id, out var earlier) && earlier.Created ? change with { Created = true } : change;
        }
    }

    /// <summary>
    /// Subscribes a handler that is called at most once per <paramref name="minimumInterval"/> (zero: at every
    /// broadcast) with everything that changed since its last call; dispose the result to unsubscribe.
    /// </summary>
    /// <param name="localOnly">Only what happened on this node, not what other nodes published (<see cref="PublishRemote"/>).</param>
    public IDisposable Subscribe(Func<LiveUpdate, Task> handler, TimeSpan minimumInterval = default, bool localOnly = false)
    {
        var id = Guid.NewGuid();
        _subscribers[id] = new Subscriber(handler, minimumInterval, localOnly);
        return new Subscription(() => _subscribers.TryRemove(id, out _));
    }

    /// <summary>Takes everything pending (null when nothing changed).</summary>
    public LiveUpdate? Drain(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_total == 0 && _jobs.Count == 0 && _incidents.Count == 0)
            {
                return null;
            }

            var update = new LiveUpdate(
                _total == 0 ? null : new CountsDelta(now, _byLabel, _byCategory, _total),
                [.. _jobs.Values],
                [.. _incidents.Values]);
            _byLabel = new(StringComparer.Ordinal);
            _byCategory = new(StringComparer.Ordinal);
            _total = 0;
            _jobs = [];
            _incidents = [];
            return update;
        }
    }

    /// <summary>
    /// Adds <paramref name="update"/> (if any) to what each subscriber has pending and calls, concurrently, every
    /// subscriber whose interval has passed and who is not still busy. Completes when those calls are done.
    /// </summary>
    public Task DispatchAsync(LiveUpdate? update, DateTimeOffset now, ILogger logger, LiveUpdate? remote = null)
    {
        var calls = new List<Task>();
        var everything = remote is null ? update : update is null ? remote : update.Merge(remote);
        foreach (var (id, subscriber) in _subscribers)
        {
            if (subscriber.Take(subscriber.LocalOnly ? update : everything, now) is { } due)
            {
                calls.Add(CallAsync(id, subscriber, due, logger));
            }
        }

        return Task.WhenAll(calls);
    }

    private async Task CallAsync(Guid id, Subscriber subscriber, LiveUpdate update, ILogger logger)
    {
        try
        {
            await subscriber.Handler(update);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Live subscriber failed; removing it");
            _subscribers.TryRemove(id, out _);
        }
        finally
        {
            subscriber.Done();
        }
    }

    /// <summary>One subscriber's pending update, when it was last called, and whether a call is running.</summary>
    private sealed class Subscriber(Func<LiveUpdate, Task> handler, TimeSpan minimumInterval, bool localOnly)
    {
        public bool LocalOnly => localOnly;

        private readonly Lock _gate = new();
        private LiveUpdate? _pending;
        private DateTimeOffset _lastCall = DateTimeOffset.MinValue;
        private bool _busy;

        public Func<LiveUpdate, Task> Handler { get; } = handler;

        /// <summary>Merges <paramref name="update"/> into the pending one; returns it when a call is due now.</summary>
        public LiveUpdate? Take(LiveUpdate? update, DateTimeOffset now)
        {
            lock (_gate)
            {
                if (update is not null)
                {
                    _pending = _pending is null ? update : _pending.Merge(update);
                }

                if (_pending is null || _busy || now - _lastCall < minimumInterval)
                {
                    return null;
                }

                var due = _pending;
                (_pending, _busy, _lastCall) = (null, true, now);
                return due;
            }
        }

        public void Done()
        {
            lock (_gate)
            {
                _busy = false;
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>Drains the notifier at a fixed rate and hands the update to its subscribers (pages, the hub bridge).</summary>
public sealed class LiveBroadcaster(LiveNotifier notifier, TimeProvider time, ILogger<LiveBroadcaster> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // Not awaited: a slow subscriber must not delay the next tick (each one is called again only when done).
            _ = notifier.DispatchAsync(notifier.Drain(time.GetUtcNow()), time.GetUtcNow(), logger, notifier.DrainRemote());
        }
    }
}
