using Siem.Capture;
using Siem.Capture.Zeek;
using Siem.Detection.Reading;

namespace Siem.Store.Ingest;

/// <summary>
/// The formats records arrive in, as the jobs and the explorer name them, and the reader of text input chosen by
/// its first line: Zeek's ASCII log starts with <c>#separator</c>, a JSON line with <c>id.orig_h</c> is Zeek's
/// JSON log, any other JSON line is our NDJSON, anything else KDD CSV.
/// </summary>
public static class InputFormats
{
    public const string KddCsv = "KDD CSV";
    public const string Ndjson = "NDJSON";
    public const string Pcap = "pcap";
    public const string Pcapng = "pcapng";
    public const string ZeekTsv = "Zeek conn.log (TSV)";
    public const string ZeekJson = "Zeek conn.log (JSON)";
    public const string NetFlowV9 = "NetFlow v9";
    public const string Ipfix = "IPFIX";

    private const int SniffBytes = 64 * 1024;

    /// <summary>The records of text input (plain or gzip, disposed at the end), read lazily: nothing is read before the first line is asked for.</summary>
    public static IEnumerable<ParsedLine> ReadText(Stream input, KddReaderOptions options)
    {
        foreach (var line in OpenText(input, options, out _))
        {
            yield return line;
        }
    }

    /// <summary>Reads the start of text input now to tell its <paramref name="format"/>; the records are read as they are enumerated.</summary>
    public static IEnumerable<ParsedLine> OpenText(Stream input, KddReaderOptions options, out string format)
    {
        var plain = InputStreams.Decompressed(input, options.Decompression);
        var replay = InputStreams.Peek(plain, SniffBytes, out var head);
        format = Detect(head.Span);
        return format switch
        {
            ZeekTsv => ZeekConnLog.ReadTsv(replay, options),
            ZeekJson => ZeekConnLog.ReadJson(replay, options),
            Ndjson => NdjsonReader.Read(replay, options),
            _ => KddCsvReader.Read(replay, options),
        };
    }

    /// <summary>The format of text whose start is <paramref name="head"/>.</summary>
    public static string Detect(ReadOnlySpan<byte> head)
    {
        var first = InputStreams.FirstLine(head);
        return ZeekConnLog.IsTsvHeader(first) ? ZeekTsv
            : ZeekConnLog.IsJsonLine(first) ? ZeekJson
            : first.TrimStart().StartsWith('{') ? Ndjson
            : KddCsv;
    }

    public static string Of(CaptureFormat capture) => capture == CaptureFormat.PcapNg ? Pcapng : Pcap;
}
