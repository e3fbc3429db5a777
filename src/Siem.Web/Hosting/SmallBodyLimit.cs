using Microsoft.AspNetCore.Http.Features;

namespace Siem.Web.Hosting;

/// <summary>
/// API bodies other than uploads and streams are small JSON: at most <see cref="ApiErrors.SmallBodyBytes"/>, checked
/// against Content-Length up front and counted while read (chunked bodies), so a 50 MB "note" is a 413, not 100 MB of RSS.
/// </summary>
public static class SmallBodyLimit
{
    private static readonly PathString[] LargeBodies = ["/api/uploads", "/api/ingest"];

    public static IApplicationBuilder UseSmallApiBodies(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api") || LargeBodies.Any(p => path.StartsWithSegments(p)))
        {
            await next();
            return;
        }

        if (context.Request.ContentLength > ApiErrors.SmallBodyBytes)
        {
            throw new BadHttpRequestException($"The request body is larger than {ApiErrors.SmallBodyBytes:N0} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = ApiErrors.SmallBodyBytes;
        }

        context.Request.Body = new CappedStream(context.Request.Body, ApiErrors.SmallBodyBytes);
        await next();
    });

    /// <summary>Counts what is read and refuses to go past the limit.</summary>
    private sealed class CappedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > limit
                ? throw new BadHttpRequestException($"The request body is larger than {limit:N0} bytes.", StatusCodes.Status413PayloadTooLarge)
                : read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
