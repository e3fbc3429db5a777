using Siem.Capture;
using Siem.Detection.Reading;
using Siem.Domain.Input;

namespace Siem.Store.Ingest;

/// <summary>
/// What a stored upload holds, as numbered lines: KDD CSV, NDJSON or a Zeek conn.log (plain or gzip) is read as it is; a pcap or
/// pcapng capture (recognised by its magic bytes) is rebuilt into connection records first, numbered
/// in order, so the same job machinery (progress, resume after the last committed line) applies.
/// </summary>
internal sealed class JobInput
{
    private static readonly string[] CaptureExtensions = [".pcap", ".pcapng", ".cap"];

    private readonly Func<long> _bytesRead;

    private JobInput(IEnumerable<ParsedLine> lines, Func<long> bytesRead, bool isCapture, string format)
    {
        Lines = lines;
        _bytesRead = bytesRead;
        IsCapture = isCapture;
        Format = format;
    }

    public IEnumerable<ParsedLine> Lines { get; }

    /// <summary>What the file holds (<see cref="InputFormats"/>).</summary>
    public string Format { get; }

    public bool IsCapture { get; }

    public long BytesRead => _bytesRead();

    /// <summary>Opens <paramref name="path"/>; throws <see cref="CaptureFormatException"/> or <see cref="KddFormatException"/> when it cannot be read at all.</summary>
    public static JobInput Open(string path, string fileName, DecompressionLimit limit, CancellationToken cancellation)
    {
        var format = CaptureFiles.Detect(path);
        if (format == CaptureFormat.None && CaptureExtensions.Any(e => fileName.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
        {
            throw new CaptureFormatException($"'{fileName}' is named like a capture but is neither pcap nor pcapng (no capture magic number at the start).");
        }

        if (format != CaptureFormat.None)
        {
            var summary = new CaptureSummary();
            return new JobInput(Numbered(CaptureExtractor.Extract(path, summary, limit, cancellation), summary), () => summary.BytesRead, isCapture: true, InputFormats.Of(format));
        }

        var file = new CountingReadStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
        var options = KddReaderOptions.Default with { Decompression = limit };
        var lines = InputFormats.OpenText(file, options, out var textFormat); // the reader disposes the file
        return new JobInput(lines, () => file.BytesRead, isCapture: false, textFormat);
    }

    private static IEnumerable<ParsedLine> Numbered(IEnumerable<Domain.Records.ConnectionRecord> records, CaptureSummary summary)
    {
        long number = 0;
        foreach (var record in records)
        {
            yield return ParsedLine.Ok(++number, record);
        }

        // Damage part-way through: the connections before it are kept; the job reports why the rest is missing.
        if (summary.Damage is not null)
        {
            yield return ParsedLine.Rejected(number + 1, summary.Damage);
        }
    }
}
