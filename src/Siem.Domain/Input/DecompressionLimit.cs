namespace Siem.Domain.Input;

/// <summary>The compressed input would unpack to more than its <see cref="DecompressionLimit"/> allows.</summary>
public sealed class DecompressionLimitException(string message) : IOException(message);

/// <summary>
/// How far a compressed input may unpack: at most <see cref="MaxCompressionRatio"/> times its compressed
/// size (but always <see cref="AlwaysAllowedBytes"/>), and never more than <see cref="MaxUnpackedBytes"/>.
/// gzip reaches about 1,000:1 on zeros; real captures and CSV files compress 3-20:1, so a ratio of 100
/// refuses a bomb after a fraction of it was unpacked while leaving every honest file alone.
/// </summary>
public sealed record DecompressionLimit(long MaxUnpackedBytes, int MaxCompressionRatio, long AlwaysAllowedBytes = DecompressionLimit.DefaultAlwaysAllowedBytes)
{
    public const long DefaultMaxUnpackedBytes = 16L * 1024 * 1024 * 1024;
    public const int DefaultMaxCompressionRatio = 100;
    public const long DefaultAlwaysAllowedBytes = 16L * 1024 * 1024;

    public static DecompressionLimit Default { get; } = new(DefaultMaxUnpackedBytes, DefaultMaxCompressionRatio);

    /// <summary>The most bytes an input of <paramref name="compressedBytes"/> may unpack to.</summary>
    public long AllowedFor(long compressedBytes)
    {
        var byRatio = compressedBytes > long.MaxValue / Math.Max(MaxCompressionRatio, 1) ? long.MaxValue : compressedBytes * MaxCompressionRatio;
        return Math.Min(MaxUnpackedBytes, Math.Max(AlwaysAllowedBytes, byRatio));
    }

    /// <summary>The error for an input that went past <see cref="AllowedFor"/>.</summary>
    public DecompressionLimitException Exceeded(string what, long compressedBytes) => new(
        $"The gzip'd {what} unpacks to more than {Size(AllowedFor(compressedBytes))} from {Size(compressedBytes)} " +
        $"(limits: {MaxCompressionRatio}x the compressed size, at most {Size(MaxUnpackedBytes)}): refused as a likely decompression bomb. " +
        "Unpack it yourself and upload the plain file if it is genuine.");

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
