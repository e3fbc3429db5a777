using System.Collections.Concurrent;

namespace Siem.Store.Live;

/// <summary>Counts per second by label and category since the previous push.</summary>
public sealed record CountsDelta(DateTimeOffset At, IReadOnlyDictionary<string, long> ByLabel, IReadOnlyDictionary<string, long> ByCategory, long Total);

public sealed record JobProgress(long JobId, string FileName, string Status, long Read, long Classified, long Rejected, long Alerts,
    long IncidentsCreated, double RecordsPerSecond, long? EstimatedTotalLines, DateTime? StartedUtc, DateTime? FinishedUtc, string? Error);

public sealed record IncidentChange(long Id, string Label, string Category, string Severity, string? DstHost, string Status, long AlertCount, long LastSeenMs, bool Created);

/// <summary>One throttled push: everything that changed since the last one.</summary>
public sealed record LiveUpdate(CountsDelta? Counts, IReadOnlyList<JobProgress> Jobs, IReadOnlyList<IncidentChange> Incidents);

/// <summary>
/// The one in-process notification service (the dotnet/eShop pattern): producers publish as often as they
/// like; <see cref="LiveBroadcaster"/> drains at a fixed rate, so subscribers (Blazor pages, the SignalR
/// hub) see at most a few updates a second however fast records arrive. Pending state is bounded: counts
/// are summed, and only the latest progress per job and latest state per incident are kept.
/// </summary>
public sealed class LiveNotifier
{
    private readonly Lock _gate = new();
    private Dictionary<string, long> _byLabel = new(StringComparer.Ordinal);
    private Dictionary<string, long> _byCategory = new(StringComparer.Ordinal);
    private long _total;
    private Dictionary<long, JobProgress> _jobs = [];
    private Dictionary<long, IncidentChange> _incidents = [];
    private readonly ConcurrentDictionary<Guid, Func<LiveUpdate, Task>> _subscribers = new();

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

    /// <summary>Subscribes a handler (a Blazor page, the hub bridge); dispose the result to unsubscribe.</summary>
    public IDisposable Subscribe(Func<LiveUpdate, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscribers[id] = handler;
        return new Subscription(() => _subscribers.TryRemove(id, out _));
    }

    /// <summary>Takes everything pending (null when nothing changed).</summary>
    internal LiveUpdate? Drain(DateTimeOffset now)
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

    internal async Task DispatchAsync(LiveUpdate update, ILogger logger)
    {
        foreach (var (id, handler) in _subscribers)
        {
            try
            {
                await handler(update);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Live subscriber failed; removing it");
                _subscribers.TryRemove(id, out _);
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>Drains the notifier at a fixed rate and fans the update out to its subscribers (pages, the hub bridge).</summary>
public sealed class LiveBroadcaster(LiveNotifier notifier, TimeProvider time, ILogger<LiveBroadcaster> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (notifier.Drain(time.GetUtcNow()) is { } update)
            {
                await notifier.DispatchAsync(update, logger);
            }
        }
    }
}
