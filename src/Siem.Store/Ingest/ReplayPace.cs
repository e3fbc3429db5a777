using System.Diagnostics;

namespace Siem.Store.Ingest;

/// <summary>
/// Plays records out at a steady rate: a batch waits until the records before it have had their time.
/// Time spent paused does not count, so a resumed replay carries on at the same pace.
/// </summary>
internal sealed class ReplayPace(double rate)
{
    private readonly Stopwatch _playing = Stopwatch.StartNew();
    private long _played;

    public double Rate { get; } = rate;

    public async Task WaitForTurnAsync(int records, Func<Task> whenNotPaused, CancellationToken cancellationToken)
    {
        var due = TimeSpan.FromSeconds(_played / Rate);
        if (due > _playing.Elapsed)
        {
            await Task.Delay(due - _playing.Elapsed, cancellationToken);
        }

        var pause = whenNotPaused();
        if (!pause.IsCompleted)
        {
            _playing.Stop();
            await pause;
            _playing.Start();
        }

        _played += records;
    }
}
