using System.IO.Compression;

namespace Siem.Detection.Reading;

/// <summary>Opens inputs, recognising gzip by its magic bytes rather than by the file name.</summary>
public static class InputStreams
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];

    public static Stream OpenFile(string path)
    {
        var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 1 << 16,
            Options = FileOptions.SequentialScan,
        });
        return Decompressed(file);
    }

    /// <summary>Returns a stream of the plain content: gzip is unwrapped, anything else passes through.</summary>
    public static Stream Decompressed(Stream stream)
    {
        var head = new byte[2];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var whole = new PrefixedStream(head.AsMemory(0, read), stream);
        return read == 2 && head.AsSpan().SequenceEqual(GzipMagic)
            ? new GZipStream(whole, CompressionMode.Decompress, leaveOpen: false)
            : whole;
    }

    /// <summary>A read-only stream that yields some already-read bytes before the rest of an inner stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
            {
                return inner.Read(buffer);
            }

            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.IsEmpty)
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            return Read(buffer.Span);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
