using System.Text;
using System.Text.Json;
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
        if (line.Contains(LineLengthLimiter.Marker, StringComparison.Ordinal))
        {
            return ParsedLine.Rejected(number, $"line is longer than {options.MaxLineLength} characters");
        }

        if (line.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return ParsedLine.Rejected(number, "line is not valid UTF-8 text");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return ParsedLine.Rejected(number, $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ParsedLine.Rejected(number, "expected a JSON object");
            }

            var values = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                values[property.Name.Trim()] = property.Value;
            }

            builder.Reset();
            foreach (var feature in KddFeatures.All)
            {
                if (!values.TryGetValue(feature.Name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    return ParsedLine.Rejected(number, $"{feature.Name}: missing");
                }

                if (builder.SetFeature(feature, TextOf(value)) is { } error)
                {
                    return ParsedLine.Rejected(number, error);
                }
            }

            foreach (var name in RecordBuilder.LabelNames)
            {
                if (values.TryGetValue(name, out var label) && label.ValueKind != JsonValueKind.Null)
                {
                    if (builder.SetLabel(TextOf(label)) is { } error)
                    {
                        return ParsedLine.Rejected(number, error);
                    }

                    break;
                }
            }

            foreach (var name in RecordBuilder.MetadataNames)
            {
                if (values.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null
                    && builder.SetMetadata(name, TextOf(value)) is { } error)
                {
                    return ParsedLine.Rejected(number, error);
                }
            }

            return ParsedLine.Ok(number, builder.Build());
        }
    }

    /// <summary>The value as the text the field parsers read: numbers as written, booleans as 1/0.</summary>
    private static string TextOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        JsonValueKind.Number => value.GetRawText(),
        _ => $"<{value.ValueKind.ToString().ToLowerInvariant()}>",
    };
}
