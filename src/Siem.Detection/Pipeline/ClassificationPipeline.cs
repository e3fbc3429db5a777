using System.Threading.Channels;
using Siem.Detection.Model;
using Siem.Detection.Reading;
using Siem.Domain.Records;

namespace Siem.Detection.Pipeline;

/// <summary>
/// Reads on one thread and classifies on another, joined by a bounded channel (backpressure: the reader
/// waits when classification falls behind, so memory stays bounded). Batches come out in input order.
/// </summary>
public static class ClassificationPipeline
{
    public const int DefaultBatchSize = 1024;

    public static async Task RunAsync(
        IEnumerable<ParsedLine> lines,
        OnnxClassifier classifier,
        Action<ClassifiedBatch> onBatch,
        int batchSize = DefaultBatchSize,
        int capacity = 4,
        CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<List<ParsedLine>>(new BoundedChannelOptions(capacity)
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
                        await channel.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                        batch = new List<ParsedLine>(batchSize);
                    }
                }

                if (batch.Count > 0)
                {
                    await channel.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                }

                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, cancellationToken);

        await foreach (var batch in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var records = new List<ConnectionRecord>(batch.Count);
            foreach (var line in batch)
            {
                if (line.Record is { } record)
                {
                    records.Add(record);
                }
            }

            onBatch(new ClassifiedBatch(batch, records, classifier.Classify(records)));
        }

        await producer.ConfigureAwait(false);
    }
}
