using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Siem.Detection.Reading;

namespace Siem.Store.Ingest;

/// <summary>
/// Runs a synchronous line reader over a network body on a thread of its own and hands its lines over
/// asynchronously. The readers (Sep, gzip, the line-length limiter) read synchronously; on a pool thread a
/// slow sender would hold that thread for as long as it dribbles, and a few hundred of them starve every
/// other request. Here a slow sender holds only its own reader thread (callers cap how many run at once),
/// and everything after the reader awaits.
/// </summary>
public static class OffThreadLines
{
    /// <summary>Lines read ahead of the consumer at most: the backpressure bound between the body and the batches.</summary>
    private const int ReadAhead = 4096;

    public static async IAsyncEnumerable<ParsedLine> ReadAsync(IEnumerable<ParsedLine> lines, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<ParsedLine>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        var reader = new Thread(() => Produce(lines, channel.Writer)) { IsBackground = true, Name = "siem-body-reader" };
        reader.Start();
        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return line;
            }
        }
        finally
        {
            // The consumer stopped (end, saturation, error): a reader waiting for room gives up at once.
            channel.Writer.TryComplete();
        }
    }

    private static void Produce(IEnumerable<ParsedLine> lines, ChannelWriter<ParsedLine> writer)
    {
        try
        {
            foreach (var line in lines)
            {
                if (!writer.TryWrite(line))
                {
                    writer.WriteAsync(line).AsTask().GetAwaiter().GetResult();
                }
            }

            writer.TryComplete();
        }
        catch (ChannelClosedException)
        {
            // The consumer is gone; stop reading.
        }
        catch (Exception e)
        {
            writer.TryComplete(e); // a format error reaches the consumer as it was thrown
        }
    }
}
