using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Labels;
using Siem.Store;
using Siem.Store.Incidents;
using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Store.Ingest;

/// <summary>Classified records of one streaming request, numbered in their source's stream job, waiting to be stored.</summary>
public sealed class StreamBatch(long jobId, IReadOnlyList<ParsedLine> lines, IReadOnlyList<Prediction> predictions, int modelVersion, long arrivalMs)
{
    public long JobId { get; } = jobId;
    public IReadOnlyList<ParsedLine> Lines { get; } = lines;
    public IReadOnlyList<Prediction> Predictions { get; } = predictions;
    public int ModelVersion { get; } = modelVersion;
    public long ArrivalMs { get; } = arrivalMs;
    public TaskCompletionSource<BatchOutcome> Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The bounded queue between streaming requests and the stream writer. A request only gets its records
/// accepted once they are committed; when the queue stays full past the saturation wait, the request is
/// told to come back later (429) instead of the queue growing without limit.
/// </summary>
public sealed class StreamIngest(IServiceScopeFactory scopes, TimeProvider time, IOptions<SiemOptions> options) : IDisposable
{
    private readonly Channel<StreamBatch> _queue = Channel.CreateBounded<StreamBatch>(new BoundedChannelOptions(options.Value.Ingest.StreamQueueBatches)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly ConcurrentDictionary<string, StreamSource> _sources = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sourceGate = new(1, 1);

    internal ChannelReader<StreamBatch> Reader => _queue.Reader;

    private volatile TaskCompletionSource _resumed = CompletedGate();

    /// <summary>Holds the writer (maintenance, tests of saturation): queued batches wait, new ones fill the queue.</summary>
    public void PauseWriting() => _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeWriting() => _resumed.TrySetResult();

    internal Task WhenWritingAllowed => _resumed.Task;

    private readonly TaskCompletionSource _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a batch is first refused because the queue stayed full (lets a test drive saturation without timing).</summary>
    public Task WhenFirstRefused => _refused.Task;

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }

    public void Dispose() => _sourceGate.Dispose();

    private int _streams;

    /// <summary>Streaming requests being read now.</summary>
    public int ActiveStreams => Volatile.Read(ref _streams);

    /// <summary>Admits one more streaming request unless <see cref="IngestOptions.MaxConcurrentStreams"/> are being read.</summary>
    public bool TryEnterStream()
    {
        if (Interlocked.Increment(ref _streams) <= options.Value.Ingest.MaxConcurrentStreams)
        {
            return true;
        }

        Interlocked.Decrement(ref _streams);
        return false;
    }

    public void ExitStream() => Interlocked.Decrement(ref _streams);

    /// <summary>Queues records; false when the pipeline stayed saturated for the whole wait.</summary>
    public async Task<bool> TryEnqueueAsync(StreamBatch batch, CancellationToken cancellationToken)
    {
        if (_queue.Writer.TryWrite(batch))
        {
            return true;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(options.Value.Ingest.SaturationWait);
        try
        {
            await _queue.Writer.WriteAsync(batch, wait.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _refused.TrySetResult();
            return false;
        }
    }

    /// <summary>Queues records, waiting as long as the writer is behind (the flow collector: its backpressure is the datagram queue).</summary>
    public ValueTask EnqueueAsync(StreamBatch batch, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(batch, cancellationToken);

    /// <summary>The stream job of a source (one per API key or flow exporter), created on first use, and its next line numbers.</summary>
    public async Task<StreamSource> SourceAsync(string name, CancellationToken cancellationToken, string? format = null)
    {
        if (_sources.TryGetValue(name, out var known))
        {
            return known;
        }

        await _sourceGate.WaitAsync(cancellationToken);
        try
        {
            if (_sources.TryGetValue(name, out known))
            {
                return known;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
            var fileName = $"stream: {name}";
            var job = await db.Jobs.FirstOrDefaultAsync(j => j.IsStream && j.FileName == fileName, cancellationToken);
            if (job is null)
            {
                var now = time.GetUtcNow().UtcDateTime;
                job = new IngestJob
                {
                    FileName = fileName,
                    StoredPath = "",
                    IsStream = true,
                    Format = format,
                    Status = JobStatus.Running,
                    CreatedBy = name,
                    CreatedUtc = now,
                    StartedUtc = now,
                };
                db.Jobs.Add(job);
                await db.SaveChangesAsync(cancellationToken);
            }

            // Line numbers continue after the highest stored one, so (job, line) stays unique across restarts.
            var lastLine = await db.Events.Where(e => e.JobId == job.Id).MaxAsync(e => (long?)e.Line, cancellationToken) ?? 0;
            var source = new StreamSource(job.Id, Math.Max(lastLine, job.CommittedLine));
            _sources[name] = source;
            return source;
        }
        finally
        {
            _sourceGate.Release();
        }
    }
}

/// <summary>A stream job and its line counter.</summary>
public sealed class StreamSource(long jobId, long lastLine)
{
    private long _lastLine = lastLine;

    public long JobId { get; } = jobId;

    /// <summary>Reserves <paramref name="count"/> line numbers; returns the first.</summary>
    public long Reserve(int count) => Interlocked.Add(ref _lastLine, count) - count + 1;
}

/// <summary>
/// The single consumer of streamed batches: store (one transaction per batch) and notify. Requests
/// classify their own records before queueing them, so classification runs in parallel and the
/// writer only writes.
/// </summary>
public sealed class StreamBatchWriter(
    StreamIngest ingest,
    StoreBackend store,
    LiveNotifier live,
    IncidentCorrelator correlator,
    Exceptions.ExceptionRules exceptions,
    IOptions<SiemOptions> options,
    ILogger<StreamBatchWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var writer = store.OpenWriter(options.Value.Ingest.KeptRejections, options.Value.Incidents.Window, exceptions);
        while (await ingest.Reader.WaitToReadAsync(stoppingToken))
        {
            await ingest.WhenWritingAllowed.WaitAsync(stoppingToken);
            if (!ingest.Reader.TryRead(out var batch))
            {
                continue;
            }

            try
            {
                var outcome = writer.Write(batch.JobId, batch.Lines, batch.Predictions, batch.ModelVersion, batch.ArrivalMs, rejectedSoFar: long.MaxValue / 2);
                live.PublishCounts(batch.Predictions.Select(p => (p.Verdict, p.Category.ToName(), 1L)));
                if (outcome.Alerts > 0)
                {
                    correlator.Signal();
                }

                batch.Stored.TrySetResult(outcome);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not store a streamed batch for job {JobId}", batch.JobId);
                batch.Stored.TrySetException(e);
            }
        }
    }
}
