using Siem.Detection.Reading;
using Siem.Store.Ingest;

namespace Siem.Store.Tests.Ingest;

/// <summary>A synchronous reader over a slow body is read on a thread of its own: the consumer awaits, it never blocks.</summary>
public class OffThreadLinesTests
{
    [Fact]
    public async Task A_stalled_reader_leaves_the_consumer_awaiting_without_a_thread_and_resumes_when_data_comes()
    {
        using var body = new StallingLines(stallAfter: 2);
        await using var lines = OffThreadLines.ReadAsync(body.Read()).GetAsyncEnumerator();

        Assert.True(await lines.MoveNextAsync());
        Assert.True(await lines.MoveNextAsync());
        await body.Stalled.WaitAsync(TimeSpan.FromMinutes(1));
        var third = lines.MoveNextAsync();

        Assert.False(third.IsCompleted); // awaiting, not blocking the caller
        Assert.NotEqual(Environment.CurrentManagedThreadId, body.ReaderThread);
        Assert.False(body.ReaderThreadIsPoolThread); // a slow body holds its own thread, never one of the pool's

        body.Resume();

        Assert.True(await third);
        Assert.Equal(3, lines.Current.LineNumber);
        Assert.False(await lines.MoveNextAsync());
    }

    [Fact]
    public async Task A_reader_error_reaches_the_consumer_as_thrown()
    {
        static IEnumerable<ParsedLine> Broken()
        {
            yield return ParsedLine.Rejected(1, "bad");
            throw new KddFormatException("the header names no known column");
        }

        var error = await Assert.ThrowsAsync<KddFormatException>(async () =>
        {
            await foreach (var _ in OffThreadLines.ReadAsync(Broken()))
            {
            }
        });

        Assert.Contains("no known column", error.Message);
    }

    [Fact]
    public async Task A_consumer_that_stops_early_releases_the_reader()
    {
        using var body = new StallingLines(stallAfter: int.MaxValue, total: 100_000);

        await foreach (var line in OffThreadLines.ReadAsync(body.Read()))
        {
            if (line.LineNumber == 10)
            {
                break;
            }
        }

        await body.Finished.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(body.LinesRead < 100_000);
    }

    /// <summary>Lines that stop coming after <c>stallAfter</c> until resumed, as a slow sender's body does.</summary>
    private sealed class StallingLines(int stallAfter, int total = 3) : IDisposable
    {
        private readonly ManualResetEventSlim _resume = new();
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Stalled => _stalled.Task;
        public Task Finished => _finished.Task;
        public int ReaderThread { get; private set; }
        public bool ReaderThreadIsPoolThread { get; private set; }
        public int LinesRead { get; private set; }

        public void Resume() => _resume.Set();

        public void Dispose() => _resume.Dispose();

        public IEnumerable<ParsedLine> Read()
        {
            try
            {
                ReaderThread = Environment.CurrentManagedThreadId;
                ReaderThreadIsPoolThread = Thread.CurrentThread.IsThreadPoolThread;
                for (var i = 1; i <= total; i++)
                {
                    if (i == stallAfter + 1)
                    {
                        _stalled.TrySetResult();
                        _resume.Wait(); // a blocking read of a socket with nothing to read
                    }

                    LinesRead = i;
                    yield return ParsedLine.Rejected(i, "placeholder");
                }
            }
            finally
            {
                _finished.TrySetResult();
            }
        }
    }
}
