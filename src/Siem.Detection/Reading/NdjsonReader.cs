using System.Text;
using Siem.Domain.Records;

namespace Siem.Detection.Reading;

/// <summary>
/// Streams connection records from NDJSON (one JSON object per line; keys are the KDD feature names,
/// plus optional label, timestamp, src_ip, dst_ip, src_port, dst_port), plain or gzip. The same
/// validation as CSV applies; a bad line is reported with its number and reason and reading goes on.
/// </summary>
public static class NdjsonReader
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static IEnumerable<ParsedLine> Read(Stream stream, KddReaderOptions? options = null)
    {
        options ??= KddReaderOptions.Default;
        using var text = new LineLengthLimiter(
            new StreamReader(InputStreams.Decompressed(stream, options.Decompression), Utf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16),
            options.MaxLineLength);
        var builder = new RecordBuilder();
        long number = 0;
        while (text.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return Parse(number, line, builder, options);
        }
    }

    private static ParsedLine Parse(long number, string line, RecordBuilder builder, KddReaderOptions options)
    {
        if (JsonLine.Problem(line, options) is { } problem)
        {
            return ParsedLine.Rejected(number, problem);
        }

        if (JsonLine.Read(line, StringComparer.OrdinalIgnoreCase, out var invalid) is not { } values)
        {
            return ParsedLine.Rejected(number, invalid!);
        }

        builder.Reset();
        foreach (var feature in KddFeatures.All)
        {
            if (!values.TryGetValue(feature.Name, out var value))
            {
                return ParsedLine.Rejected(number, $"{feature.Name}: missing");
            }

            if (builder.SetFeature(feature, value) is { } error)
            {
                return ParsedLine.Rejected(number, error);
            }
        }

        foreach (var name in RecordBuilder.LabelNames)
        {
            if (values.TryGetValue(name, out var label))
            {
                if (builder.SetLabel(label) is { } error)
                {
                    return ParsedLine.Rejected(number, error);
                }

                break;
            }
        }

        foreach (var name in RecordBuilder.MetadataNames)
        {
            if (values.TryGetValue(name, out var value) && builder.SetMetadata(name, value) is { } error)
            {
                return ParsedLine.Rejected(number, error);
            }
        }

        return ParsedLine.Ok(number, builder.Build());
    }
}
