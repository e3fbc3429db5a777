namespace Siem.Detection.Reading;

public sealed record KddReaderOptions
{
    public static KddReaderOptions Default { get; } = new();

    /// <summary>Lines longer than this are rejected without being buffered whole.</summary>
    public int MaxLineLength { get; init; } = 16 * 1024;
}
