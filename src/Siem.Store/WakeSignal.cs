namespace Siem.Store;

/// <summary>
/// Wakes a background worker early: any number of <see cref="Set"/> calls before the worker waits again count as one,
/// and the worker never misses one that came while it was busy.
/// </summary>
public sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Set()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // already set
            }
        }
    }

    /// <summary>Waits until set or until <paramref name="timeout"/> passes.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
