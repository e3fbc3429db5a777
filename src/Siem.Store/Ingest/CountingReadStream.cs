namespace Siem.Store.Ingest;

/// <summary>Counts bytes read through it, readable from another thread, for progress and ETA.</summary>
internal sealed class CountingReadStream(Stream inner) : Siem.Detection.Reading.ReadOnlyStream
{
    private long _read;

    public long BytesRead => Interlocked.Read(ref _read);

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    private int Counted(int n)
    {
        Interlocked.Add(ref _read, n);
        return n;
    }


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
