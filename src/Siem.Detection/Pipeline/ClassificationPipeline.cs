using System.Threading.Channels;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Records;

namespace Siem.Detection.Pipeline;

/// <summary>
/// Reads on one thread, classifies batches in parallel on the thread pool, and hands the results to
/// <c>onBatch</c> one at a time in input order. A bounded channel of in-flight batches gives backpressure:
/// the reader waits when classification or the consumer falls behind, so memory stays bounded.
/// </summary>
public static class ClassificationPipeline
{
    public const int DefaultBatchSize = 1024;

    public static Task RunAsync(
        IEnumerable<ParsedLine> lines,
        OnnxClassifier classifier,
        Action<ClassifiedBatch> onBatch,
        int batchSize = DefaultBatchSize,
        int capacity = 4,
        int maxParallelism = 0,
        CancellationToken cancellationToken = default) =>
        RunAsync(lines, classifier, batch =>
        {
            onBatch(batch);
            return Task.CompletedTask;
        }, batchSize, capacity, maxParallelism, cancellationToken);

    /// <summary>As above, with a consumer that may wait (pacing a replay, for instance).</summary>
    public static async Task RunAsync(
        IEnumerable<ParsedLine> lines,
        OnnxClassifier classifier,
        Func<ClassifiedBatch, Task> onBatch,
        int batchSize = DefaultBatchSize,
        int capacity = 4,
        int maxParallelism = 0,
        CancellationToken cancellationToken = default)
    {
        // How many batches are classified at once (0: one per core). A consumer that is itself the
        // bottleneck (the database writer) runs faster with fewer, leaving it a core of its own.
        using var slots = new SemaphoreSlim(maxParallelism > 0 ? maxParallelism : Environment.ProcessorCount);
        // Each entry is a batch being classified; the consumer awaits them in the order they were read.
        var inFlight = Channel.CreateBounded<Task<ClassifiedBatch>>(new BoundedChannelOptions(Math.Max(capacity, Environment.ProcessorCount + 1))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        var producer = Task.Run(async () =>
        {
            try
            {
                // A batch is cut at batchSize lines, good or bad, so a file of garbage stays bounded too.
                var batch = new List<ParsedLine>(batchSize);
                foreach (var line in lines)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    batch.Add(line);
                    if (batch.Count == batchSize)
                    {
                        await inFlight.Writer.WriteAsync(Classify(batch, classifier, slots), cancellationToken).ConfigureAwait(false);
                        batch = new List<ParsedLine>(batchSize);
                    }
                }

                if (batch.Count > 0)
                {
                    await inFlight.Writer.WriteAsync(Classify(batch, classifier, slots), cancellationToken).ConfigureAwait(false);
                }

                inFlight.Writer.Complete();
            }
            catch (Exception e)
            {
                inFlight.Writer.Complete(e);
            }
        }, cancellationToken);

        await foreach (var pending in inFlight.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await onBatch(await pending.ConfigureAwait(false)).ConfigureAwait(false);
        }

        await producer.ConfigureAwait(false);
    }

    private static Task<ClassifiedBatch> Classify(List<ParsedLine> lines, OnnxClassifier classifier, SemaphoreSlim slots) => Task.Run(async () =>
    {
        await slots.WaitAsync().ConfigureAwait(false);
        try
        {
            return ClassifyNow(lines, classifier);
        }
        finally
        {
            slots.Release();
        }
    });

    private static ClassifiedBatch ClassifyNow(List<ParsedLine> lines, OnnxClassifier classifier)
    {
        var records = new List<ConnectionRecord>(lines.Count);
        foreach (var line in lines)
        {
            if (line.Record is { } record)
            {
                records.Add(record);
            }
        }

        return new ClassifiedBatch(lines, records, classifier.Classify(records));
    }
}
