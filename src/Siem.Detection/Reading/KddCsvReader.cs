using System.Globalization;
using System.Net;
using System.Text;
using nietras.SeparatedValues;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Detection.Reading;

/// <summary>
/// Streams KDD Cup 99 connection records from CSV or gzip-compressed CSV, with or without a header,
/// with or without the label column, with optional metadata columns (timestamp, src_ip, dst_ip,
/// src_port, dst_port) when a header names them. Memory stays bounded whatever the input size:
/// rows are parsed one at a time and over-long lines are cut before the parser sees them.
/// </summary>
public static class KddCsvReader
{
    private const int MaxServiceNameLength = 64;

    // Byte counts are 64-bit; every other count fits a 32-bit integer.
    private const double MaxMagnitude = 1e15;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static IEnumerable<ParsedLine> ReadFile(string path, KddReaderOptions? options = null) =>
        Read(InputStreams.OpenFile(path), options);

    /// <summary>Reads every line of <paramref name="stream"/> (disposed at the end), gzip or plain.</summary>
    public static IEnumerable<ParsedLine> Read(Stream stream, KddReaderOptions? options = null)
    {
        options ??= KddReaderOptions.Default;
        using var text = new LineLengthLimiter(
            new StreamReader(InputStreams.Decompressed(stream), Utf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16),
            options.MaxLineLength);
        using var reader = Sep.Reader(o => o with
        {
            HasHeader = false,
            DisableColCountCheck = true,
            DisableQuotesParsing = true,
            CultureInfo = CultureInfo.InvariantCulture,
        }).From(text);

        var parser = new RowParser(options);
        ColumnLayout? layout = null;
        while (reader.MoveNext())
        {
            if (layout is null)
            {
                layout = DetectLayout(reader.Current);
                if (layout.ExpectedColumns is not null)
                {
                    continue; // that row was the header
                }
            }

            var parsed = parser.Parse(reader.Current, layout);
            if (parsed is { } line)
            {
                yield return line;
            }
        }
    }

    private static ColumnLayout DetectLayout(SepReader.Row firstRow)
    {
        var cells = new string[firstRow.ColCount];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = firstRow[i].ToString();
        }

        return ColumnLayout.LooksLikeHeader(cells) ? ColumnLayout.FromHeader(cells) : ColumnLayout.Positional;
    }

    /// <summary>Parses one row. Holds the reusable buffers and the service-name pool of one read.</summary>
    private sealed class RowParser(KddReaderOptions options)
    {
        private const int MaxPooledNames = 4096;
        private readonly double[] _numeric = new double[KddFeatures.NumericCount];
        private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

        public ParsedLine? Parse(SepReader.Row row, ColumnLayout layout)
        {
            // Quotes are off, so a row is one line. Sep 0.17 reports LineNumberFrom = 2 for the first
            // row; LineNumberToExcl - 1 is right for every row.
            var line = row.LineNumberToExcl - 1;
            var span = row.Span;
            if (span.IsWhiteSpace())
            {
                return null; // blank lines carry no record and are not worth an error
            }

            if (span.Contains(LineLengthLimiter.Marker))
            {
                return ParsedLine.Rejected(line, $"line is longer than {options.MaxLineLength} characters");
            }

            if (span.Contains('\uFFFD'))
            {
                return ParsedLine.Rejected(line, "line is not valid UTF-8 text");
            }

            var columns = row.ColCount;
            bool hasLabel;
            if (layout.ExpectedColumns is { } expected)
            {
                if (columns != expected)
                {
                    return ParsedLine.Rejected(line, $"expected {expected} columns as in the header, found {columns}");
                }

                hasLabel = layout.LabelColumn >= 0;
            }
            else
            {
                if (columns is not (KddFeatures.Count or KddFeatures.Count + 1))
                {
                    return ParsedLine.Rejected(line, $"expected {KddFeatures.Count} features (and optionally a label), found {columns} columns");
                }

                hasLabel = columns == KddFeatures.Count + 1;
            }

            string? protocol = null, service = null, flag = null;
            var n = 0;
            foreach (var feature in KddFeatures.All)
            {
                var cell = row[layout.FeatureColumns[feature.Index]].Span.Trim();
                if (feature.Kind == FeatureKind.Symbolic)
                {
                    var error = feature.Index switch
                    {
                        KddFeatures.ProtocolTypeIndex => ParseClosedName(cell, ConnectionVocabulary.Protocols, "protocol", out protocol),
                        KddFeatures.FlagIndex => ParseClosedName(cell, ConnectionVocabulary.Flags, "flag", out flag),
                        _ => ParseService(cell, out service),
                    };
                    if (error is not null)
                    {
                        return ParsedLine.Rejected(line, $"{feature.Name}: {error}");
                    }

                    continue;
                }

                var numberError = ParseNumber(cell, feature.Kind, out _numeric[n++]);
                if (numberError is not null)
                {
                    return ParsedLine.Rejected(line, $"{feature.Name}: {numberError}");
                }
            }

            var record = ConnectionRecord.FromFeatures(protocol!, service!, flag!, _numeric);
            if (hasLabel)
            {
                var labelColumn = layout.LabelColumn >= 0 ? layout.LabelColumn : KddFeatures.Count;
                var label = KddLabels.Normalize(row[labelColumn].ToString());
                if (label is null)
                {
                    return ParsedLine.Rejected(line, "label: empty");
                }

                record = record with { Label = Pool(label) };
            }

            return ParseMetadata(row, layout, ref record) is { } metadataError
                ? ParsedLine.Rejected(line, metadataError)
                : ParsedLine.Ok(line, record);
        }

        private static string? ParseNumber(ReadOnlySpan<char> cell, FeatureKind kind, out double value)
        {
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
            {
                return cell.IsEmpty ? "empty value" : $"'{Clip(cell)}' is not a number";
            }

            return kind switch
            {
                _ when value < 0 => $"must not be negative ({Clip(cell)})",
                _ when value > MaxMagnitude => $"{Clip(cell)} is too large",
                FeatureKind.Rate when value > 1 => $"{Clip(cell)} is outside [0, 1]",
                FeatureKind.Binary when value is not (0 or 1) => $"must be 0 or 1 ({Clip(cell)})",
                FeatureKind.Count when value != Math.Floor(value) => $"must be a whole number ({Clip(cell)})",
                _ => null,
            };
        }

        private static string? ParseClosedName(ReadOnlySpan<char> cell, IReadOnlyList<string> allowed, string what, out string? value)
        {
            foreach (var name in allowed)
            {
                if (cell.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    value = name;
                    return null;
                }
            }

            value = null;
            return cell.IsEmpty ? "empty value" : $"unknown {what} '{Clip(cell)}' (expected one of {string.Join(", ", allowed)})";
        }

        private string? ParseService(ReadOnlySpan<char> cell, out string? value)
        {
            value = null;
            if (cell.IsEmpty)
            {
                return "empty value";
            }

            if (cell.Length > MaxServiceNameLength || cell.ContainsAnyExcept(ServiceNameChars))
            {
                return $"'{Clip(cell)}' is not a service name";
            }

            value = Pool(cell);
            return null;
        }

        private static string? ParseMetadata(SepReader.Row row, ColumnLayout layout, ref ConnectionRecord record)
        {
            if (layout.TimestampColumn >= 0 && row[layout.TimestampColumn].Span.Trim() is { IsEmpty: false } time)
            {
                if (!TryParseTimestamp(time, out var timestamp))
                {
                    return $"timestamp: '{Clip(time)}' is neither ISO 8601 nor Unix seconds";
                }

                record = record with { Timestamp = timestamp };
            }

            if (layout.SrcIpColumn >= 0 && row[layout.SrcIpColumn].Span.Trim() is { IsEmpty: false } srcIp)
            {
                if (!IPAddress.TryParse(srcIp, out var address))
                {
                    return $"src_ip: '{Clip(srcIp)}' is not an IP address";
                }

                record = record with { SrcIp = address };
            }

            if (layout.DstIpColumn >= 0 && row[layout.DstIpColumn].Span.Trim() is { IsEmpty: false } dstIp)
            {
                if (!IPAddress.TryParse(dstIp, out var address))
                {
                    return $"dst_ip: '{Clip(dstIp)}' is not an IP address";
                }

                record = record with { DstIp = address };
            }

            if (layout.SrcPortColumn >= 0 && row[layout.SrcPortColumn].Span.Trim() is { IsEmpty: false } srcPort)
            {
                if (!TryParsePort(srcPort, out var port))
                {
                    return $"src_port: '{Clip(srcPort)}' is not a port (0-65535)";
                }

                record = record with { SrcPort = port };
            }

            if (layout.DstPortColumn >= 0 && row[layout.DstPortColumn].Span.Trim() is { IsEmpty: false } dstPort)
            {
                if (!TryParsePort(dstPort, out var port))
                {
                    return $"dst_port: '{Clip(dstPort)}' is not a port (0-65535)";
                }

                record = record with { DstPort = port };
            }

            return null;
        }

        private string Pool(ReadOnlySpan<char> text)
        {
            var lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
            if (lookup.TryGetValue(text, out var pooled))
            {
                return pooled;
            }

            var created = text.ToString();
            if (_names.Count < MaxPooledNames)
            {
                _names[created] = created;
            }

            return created;
        }
    }

    internal static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTimeOffset timestamp)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            // Unix seconds (fractions allowed); anything outside the representable range is an error.
            const double maxSeconds = 253402300799; // 9999-12-31T23:59:59Z
            if (seconds is >= 0 and <= maxSeconds)
            {
                timestamp = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
                return true;
            }

            timestamp = default;
            return false;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
    }

    private static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= ushort.MaxValue;

    private static readonly System.Buffers.SearchValues<char> ServiceNameChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./");

    /// <summary>Quotes at most 40 characters of a bad value so error messages stay readable.</summary>
    private static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "...");
}
