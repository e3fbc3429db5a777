using System.Text.Json;

namespace Siem.Detection.Reading;

/// <summary>One line of a JSON-lines input (our NDJSON, Zeek's JSON log): checked, parsed, and its top-level fields as text.</summary>
internal static class JsonLine
{
    /// <summary>Why a line read through <see cref="LineLengthLimiter"/> cannot be parsed at all (over-long, not UTF-8), or null.</summary>
    public static string? Problem(string line, KddReaderOptions options) =>
        line.Contains(LineLengthLimiter.Marker, StringComparison.Ordinal) ? $"line is longer than {options.MaxLineLength} characters"
        : line.Contains('\uFFFD', StringComparison.Ordinal) ? "line is not valid UTF-8 text"
        : null;

    /// <summary>
    /// The line's fields as the field parsers read them (strings as they are, numbers as written, booleans 1/0; a null is
    /// left out, so it reads as missing); null and the reason when the line is not a JSON object.
    /// </summary>
    public static Dictionary<string, string>? Read(string line, IEqualityComparer<string> names, out string? error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            error = $"not valid JSON: {e.Message}";
            return null;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "expected a JSON object";
                return null;
            }

            var fields = new Dictionary<string, string>(names);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Null)
                {
                    fields[property.Name.Trim()] = TextOf(property.Value);
                }
            }

            error = null;
            return fields;
        }
    }

    private static string TextOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        JsonValueKind.Number => value.GetRawText(),
        _ => $"<{value.ValueKind.ToString().ToLowerInvariant()}>",
    };
}
