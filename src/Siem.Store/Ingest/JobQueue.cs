using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Siem.Store.Ingest;

/// <summary>
/// Wakes this node's runner when a job is queued here, and tracks the running job's cancellation and pause. The jobs
/// themselves live in the database, where ingest nodes claim them (<see cref="JobRunner"/>).
/// </summary>
public sealed class JobQueue
{
    private readonly Channel<long> _ids = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _running = new();

    public void Enqueue(long jobId) => _ids.Writer.TryWrite(jobId);

    /// <summary>Waits until a job was queued on this node or <paramref name="timeout"/> passes (the runner then claims from the store).</summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await _ids.Reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // the poll interval passed
        }

        while (_ids.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>Registers the running job's cancellation, linked to the host's shutdown token.</summary>
    public CancellationTokenSource Track(long jobId, CancellationToken stopping)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _running[jobId] = source;
        return source;
    }

    public void Untrack(long jobId)
    {
        _running.TryRemove(jobId, out _);
        _pauses.TryRemove(jobId, out _);
    }

    private readonly ConcurrentDictionary<long, TaskCompletionSource> _pauses = new();

    /// <summary>Holds a running replay before its next batch until <see cref="Resume"/>.</summary>
    public void Pause(long jobId) => _pauses.TryAdd(jobId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Resume(long jobId)
    {
        if (_pauses.TryRemove(jobId, out var gate))
        {
            gate.TrySetResult();
        }
    }

    /// <summary>Completes at once unless the job is paused; then when it is resumed.</summary>
    public Task WhenNotPausedAsync(long jobId, CancellationToken cancellationToken) =>
        _pauses.TryGetValue(jobId, out var gate) ? gate.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    /// <summary>Cancels a running job now (a queued one sees its CancelRequested flag when it starts).</summary>
    public void CancelRunning(long jobId)
    {
        if (_running.TryGetValue(jobId, out var source))
        {
            source.Cancel();
        }
    }
}
