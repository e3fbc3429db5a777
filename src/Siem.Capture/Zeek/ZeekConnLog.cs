using System.Globalization;
using System.Net;
using System.Text;
using Siem.Capture.Flows;
using Siem.Detection.Reading;

namespace Siem.Capture.Zeek;

/// <summary>
/// Reads Zeek's <c>conn.log</c>, in its tab-separated form (the <c>#separator</c>, <c>#unset_field</c>, <c>#fields</c>
/// header) or as JSON (one object per line, dotted names such as <c>id.orig_h</c>), into KDD records. Zeek grew out
/// of Bro, which made the KDD features: <c>conn_state</c> is the KDD flag, <c>duration</c>, <c>proto</c>,
/// <c>orig_bytes</c> and <c>resp_bytes</c> map directly; the service comes from the responder port as in the KDD
/// data (Zeek's own service names differ); the window features are computed as for a capture, in log order (Zeek
/// writes a connection when it ends, so windows are approximate); the content features are 0. <c>uid</c> and
/// <c>community_id</c> are kept. A bad line is rejected with its line number and reason, and reading goes on.
/// </summary>
public static class ZeekConnLog
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
    private static readonly string[] Required = ["ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"];

    /// <summary>True when <paramref name="firstLine"/> opens a Zeek ASCII log (its first header line).</summary>
    public static bool IsTsvHeader(string firstLine) => firstLine.StartsWith("#separator", StringComparison.Ordinal);

    /// <summary>True when <paramref name="firstLine"/> is a JSON object with Zeek's connection id fields.</summary>
    public static bool IsJsonLine(string firstLine) =>
        firstLine.TrimStart().StartsWith('{') && firstLine.Contains("\"id.orig_h\"", StringComparison.Ordinal);

    /// <summary>Reads a conn.log in either form, told by its first line; a <see cref="KddFormatException"/> when it is neither.</summary>
    public static IEnumerable<ParsedLine> Read(Stream stream, KddReaderOptions? options = null)
    {
        options ??= KddReaderOptions.Default;
        var replay = InputStreams.Peek(InputStreams.Decompressed(stream, options.Decompression), 64 * 1024, out var head);
        var first = InputStreams.FirstLine(head.Span);
        return IsTsvHeader(first) ? ReadTsv(replay, options)
            : IsJsonLine(first) ? ReadJson(replay, options)
            : throw new KddFormatException("not a Zeek conn.log: it neither starts with Zeek's #separator header nor is a JSON line with id.orig_h");
    }

    /// <summary>Reads the tab-separated log of <paramref name="stream"/> (disposed at the end), gzip or plain.</summary>
    public static IEnumerable<ParsedLine> ReadTsv(Stream stream, KddReaderOptions? options = null)
    {
        options ??= KddReaderOptions.Default;
        using var text = Open(stream, options);
        var header = new TsvHeader();
        var describer = new FlowDescriber();
        long number = 0;
        while (text.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '#')
            {
                header.Read(line);
                continue;
            }

            if (JsonLine.Problem(line, options) is { } problem)
            {
                yield return ParsedLine.Rejected(number, problem);
                continue;
            }

            if (header.Fields is not { } fields)
            {
                yield return ParsedLine.Rejected(number, "a data line before the #fields header line");
                continue;
            }

            var values = line.Split(header.Separator);
            if (values.Length != fields.Count)
            {
                yield return ParsedLine.Rejected(number, $"{values.Length} fields where #fields names {fields.Count}");
                continue;
            }

            yield return Describe(number, describer, name => fields.TryGetValue(name, out var i) ? header.Value(values[i]) : null);
        }
    }

    /// <summary>Reads the JSON log of <paramref name="stream"/> (disposed at the end), gzip or plain.</summary>
    public static IEnumerable<ParsedLine> ReadJson(Stream stream, KddReaderOptions? options = null)
    {
        options ??= KddReaderOptions.Default;
        using var text = Open(stream, options);
        var describer = new FlowDescriber();
        long number = 0;
        while (text.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return JsonLine.Problem(line, options) is { } problem ? ParsedLine.Rejected(number, problem) : ParseJson(number, line, describer);
        }
    }

    private static LineLengthLimiter Open(Stream stream, KddReaderOptions options) =>
        new(new StreamReader(InputStreams.Decompressed(stream, options.Decompression), Utf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16),
            options.MaxLineLength);

    private static ParsedLine ParseJson(long number, string line, FlowDescriber describer) =>
        JsonLine.Read(line, StringComparer.Ordinal, out var error) is { } values
            ? Describe(number, describer, name => values.GetValueOrDefault(name))
            : ParsedLine.Rejected(number, error!);

    /// <summary>The record of one log entry; <paramref name="field"/> gives a field's text, null when unset.</summary>
    private static ParsedLine Describe(long number, FlowDescriber describer, Func<string, string?> field)
    {
        foreach (var name in Required)
        {
            if (field(name) is null)
            {
                return ParsedLine.Rejected(number, $"{name}: missing");
            }
        }

        if (!TryParseTime(field("ts")!, out var start))
        {
            return ParsedLine.Rejected(number, $"ts: '{RecordBuilder.Clip(field("ts"))}' is neither Unix seconds nor ISO 8601");
        }

        var protocol = field("proto")!.ToLowerInvariant() switch
        {
            "tcp" => FlowSummary.TcpProtocol,
            "udp" => FlowSummary.UdpProtocol,
            "icmp" => FlowSummary.IcmpProtocol,
            _ => -1,
        };
        if (protocol < 0)
        {
            return ParsedLine.Rejected(number, $"proto: '{RecordBuilder.Clip(field("proto"))}' is not tcp, udp or icmp (the only protocols of the KDD features)");
        }

        var flag = field("conn_state");
        if (flag is not null && !KddFlags.All.Contains(flag))
        {
            return ParsedLine.Rejected(number, $"conn_state: '{RecordBuilder.Clip(flag)}' is not a Zeek connection state (S0, S1, SF, REJ, ...)");
        }

        string?[] errors =
        [
            Address("id.orig_h", field, out var src), Address("id.resp_h", field, out var dst),
            Port("id.orig_p", field, out var srcPort), Port("id.resp_p", field, out var dstPort),
            Number("duration", field, out var duration), Count("orig_bytes", field, out var srcBytes), Count("resp_bytes", field, out var dstBytes),
            FlowId("uid", field, out var uid), FlowId("community_id", field, out var communityId),
        ];
        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            return ParsedLine.Rejected(number, error);
        }

        var record = describer.Describe(new FlowSummary
        {
            Protocol = protocol,
            SrcIp = src!,
            DstIp = dst!,
            SrcPort = srcPort,
            DstPort = dstPort,
            Start = start,
            Duration = duration,
            SrcBytes = srcBytes,
            DstBytes = dstBytes,
            Flag = protocol == FlowSummary.TcpProtocol ? flag ?? "OTH" : "SF",
            Uid = uid,
            CommunityId = communityId,
        })!;
        return ParsedLine.Ok(number, record);
    }

    private static bool TryParseTime(string text, out double seconds)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) && seconds is >= 0 and < 253402300800)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            seconds = (time - DateTimeOffset.UnixEpoch).TotalSeconds;
            return seconds >= 0;
        }

        return false;
    }

    private static string? Address(string name, Func<string, string?> field, out IPAddress? address)
    {
        var text = field(name)!;
        return IPAddress.TryParse(text, out address) ? null : $"{name}: '{RecordBuilder.Clip(text)}' is not an IP address";
    }

    private static string? Port(string name, Func<string, string?> field, out int port)
    {
        var text = field(name)!;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= ushort.MaxValue
            ? null
            : $"{name}: '{RecordBuilder.Clip(text)}' is not a port (0-65535)";
    }

    /// <summary>An optional non-negative number of seconds; unset is 0.</summary>
    private static string? Number(string name, Func<string, string?> field, out double value)
    {
        value = 0;
        return field(name) is not { } text
               || (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value is >= 0 and < 1e9)
            ? null
            : $"{name}: '{RecordBuilder.Clip(text)}' is not a number of seconds";
    }

    /// <summary>An optional byte count; unset (Zeek writes none for a connection without payload it could measure) is 0.</summary>
    private static string? Count(string name, Func<string, string?> field, out long value)
    {
        value = 0;
        return field(name) is not { } text || (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value < 1_000_000_000_000_000)
            ? null
            : $"{name}: '{RecordBuilder.Clip(text)}' is not a byte count";
    }

    private static string? FlowId(string name, Func<string, string?> field, out string? value)
    {
        value = field(name);
        if (value is null)
        {
            return null;
        }

        return RecordBuilder.CheckFlowId(name, value);
    }

    /// <summary>The ASCII log's header lines: separator (with its <c>\x09</c> escape), unset and empty markers, field names.</summary>
    private sealed class TsvHeader
    {
        public char Separator { get; private set; } = '\t';
        private string _unset = "-";
        private string _empty = "(empty)";

        /// <summary>Field name to column; null until the #fields line.</summary>
        public Dictionary<string, int>? Fields { get; private set; }

        public void Read(string line)
        {
            var space = line.IndexOfAny([' ', '\t', Separator]);
            var key = space < 0 ? line : line[..space];
            if (key == "#separator")
            {
                var value = Unescape(line[(space + 1)..]);
                if (value.Length != 1)
                {
                    throw new KddFormatException($"#separator '{line[(space + 1)..]}' is not one character");
                }

                Separator = value[0];
                return;
            }

            var rest = space < 0 ? "" : line[(space + 1)..];
            var values = rest.Split(Separator);
            switch (key)
            {
                case "#unset_field": _unset = Unescape(values[0]); break;
                case "#empty_field": _empty = Unescape(values[0]); break;
                case "#path" when values[0] != "conn":
                    throw new KddFormatException($"this is Zeek's {values[0]}.log; only conn.log describes connections");
                case "#fields":
                    var missing = Required.Where(r => !values.Contains(r)).ToList();
                    if (missing.Count > 0)
                    {
                        throw new KddFormatException($"the #fields line lacks {string.Join(", ", missing)}: not a Zeek conn.log");
                    }

                    Fields = values.Select((name, i) => (name, i)).GroupBy(f => f.name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
                    break;
            }
        }

        /// <summary>A cell's value: null when unset, "" when Zeek's empty marker, else unescaped.</summary>
        public string? Value(string cell) => cell == _unset ? null : cell == _empty ? "" : Unescape(cell);

        /// <summary>Zeek writes bytes it cannot print (and the separator inside a value) as \xHH.</summary>
        private static string Unescape(string text)
        {
            if (!text.Contains("\\x", StringComparison.Ordinal))
            {
                return text;
            }

            var result = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '\\' && i + 3 < text.Length && text[i + 1] == 'x'
                    && byte.TryParse(text.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    result.Append((char)b);
                    i += 3;
                }
                else
                {
                    result.Append(text[i]);
                }
            }

            return result.ToString();
        }
    }
}
