using System.IO.Compression;
using Siem.Domain.Input;

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

    /// <summary>
    /// Returns a stream of the plain content: gzip is unwrapped (and refused with a <see cref="KddFormatException"/>
    /// once it unpacks past <paramref name="limit"/>, default <see cref="DecompressionLimit.Default"/>), anything else passes through.
    /// </summary>
    public static Stream Decompressed(Stream stream, DecompressionLimit? limit = null)
    {
        var head = new byte[2];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read == 2 && head.AsSpan().SequenceEqual(GzipMagic))
        {
            var compressed = new PrefixedStream(head.AsMemory(0, read), stream);
            return new BoundedUnpackStream(new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false), compressed, limit ?? DecompressionLimit.Default);
        }

        return new PrefixedStream(head.AsMemory(0, read), stream);
    }

    /// <summary>
    /// Counts unpacked bytes against the limit for the compressed bytes read so far (the whole size of a
    /// network body is not known in advance): a bomb is refused after a few MiB, an honest file never.
    /// </summary>
    private sealed class BoundedUnpackStream(Stream unpacked, PrefixedStream compressed, DecompressionLimit limit) : ReadOnlyStream
    {
        private long _unpacked;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => Count(unpacked.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await unpacked.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _unpacked += read;
            if (_unpacked > limit.AllowedFor(compressed.BytesRead))
            {
                throw new KddFormatException(limit.Exceeded("input", compressed.BytesRead).Message);
            }

            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                unpacked.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Reads the start of <paramref name="stream"/>, up to the end of its first line or <paramref name="maxBytes"/>, into
    /// <paramref name="head"/>, and returns a stream that yields those bytes again before the rest (to sniff a format).
    /// </summary>
    public static Stream Peek(Stream stream, int maxBytes, out ReadOnlyMemory<byte> head)
    {
        var buffer = new byte[maxBytes];
        var length = 0;
        while (length < buffer.Length && buffer.AsSpan(0, length).IndexOf((byte)'\n') < 0)
        {
            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        head = buffer.AsMemory(0, length);
        return new PrefixedStream(head, stream);
    }

    /// <summary>The first line of text whose start is <paramref name="head"/> (as <see cref="Peek"/> reads it), without a byte order mark.</summary>
    public static string FirstLine(ReadOnlySpan<byte> head)
    {
        var end = head.IndexOf((byte)'\n');
        return System.Text.Encoding.UTF8.GetString(end < 0 ? head : head[..end]).TrimStart('\uFEFF').TrimEnd('\r');
    }

    /// <summary>A read-only stream that yields some already-read bytes before the rest of an inner stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        /// <summary>Bytes handed out so far (the prefix included).</summary>
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty)
            {
                return Counted(inner.Read(buffer));
            }

            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return Counted(n);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_prefix.IsEmpty)
            {
                return Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
            }

            return Read(buffer.Span);
        }

        private int Counted(int read)
        {
            BytesRead += read;
            return read;
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
