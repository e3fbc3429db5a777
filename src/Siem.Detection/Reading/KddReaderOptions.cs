using Siem.Domain.Input;

namespace Siem.Detection.Reading;

public sealed record KddReaderOptions
{
    public static KddReaderOptions Default { get; } = new();

    /// <summary>Lines longer than this are rejected without being buffered whole.</summary>
    public int MaxLineLength { get; init; } = 16 * 1024;

    /// <summary>How far gzip'd input may unpack before it is refused as a decompression bomb.</summary>
    public DecompressionLimit Decompression { get; init; } = DecompressionLimit.Default;
}
