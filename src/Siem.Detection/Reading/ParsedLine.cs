using Siem.Domain.Records;

namespace Siem.Detection.Reading;

/// <summary>
/// One line of input: either a record or the reason it was rejected. Readers never throw for a bad
/// line; they report it and go on, so no good record is lost because of a bad one.
/// </summary>
public readonly record struct ParsedLine(long LineNumber, ConnectionRecord? Record, string? Error)
{
    public bool IsValid => Record is not null;

    public static ParsedLine Ok(long line, ConnectionRecord record) => new(line, record, null);

    public static ParsedLine Rejected(long line, string reason) => new(line, null, reason);
}

/// <summary>The whole input cannot be read (for example a header without the KDD feature columns).</summary>
public sealed class KddFormatException(string message) : Exception(message);
