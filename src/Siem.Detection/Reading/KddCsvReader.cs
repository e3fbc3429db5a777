using System.Globalization;
using System.Text;
using nietras.SeparatedValues;
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
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static IEnumerable<ParsedLine> ReadFile(string path, KddReaderOptions? options = null) =>
        Read(InputStreams.OpenFile(path), options);

    /// <summary>Reads every line of <paramref name="stream"/> (disposed at the end), gzip or plain.</summary>
    public static IEnumerable<ParsedLine> Read(Stream stream, KddReaderOptions? options = null)
    {
        options ??= KddReaderOptions.Default;
        using var text = new LineLengthLimiter(
            new StreamReader(InputStreams.Decompressed(stream, options.Decompression), Utf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16),
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

    /// <summary>Parses one row into a record, or the reason it is rejected.</summary>
    private sealed class RowParser(KddReaderOptions options)
    {
        private readonly RecordBuilder _builder = new();

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

            _builder.Reset();
            foreach (var feature in KddFeatures.All)
            {
                if (_builder.SetFeature(feature, row[layout.FeatureColumns[feature.Index]].Span) is { } error)
                {
                    return ParsedLine.Rejected(line, error);
                }
            }

            if (hasLabel && _builder.SetLabel(row[layout.LabelColumn >= 0 ? layout.LabelColumn : KddFeatures.Count].Span) is { } labelError)
            {
                return ParsedLine.Rejected(line, labelError);
            }

            foreach (var (name, column) in layout.MetadataColumns)
            {
                if (_builder.SetMetadata(name, row[column].Span) is { } metadataError)
                {
                    return ParsedLine.Rejected(line, metadataError);
                }
            }

            return ParsedLine.Ok(line, _builder.Build());
        }
    }
}
