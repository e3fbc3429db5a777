using System.Globalization;

namespace Siem.Web.Components.Presentation;

/// <summary>How numbers, sizes, times and endpoints are written on the pages.</summary>
public static class Format
{
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F1} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MB",
        >= 1L << 10 => $"{bytes / 1024.0:F1} KB",
        _ => $"{bytes} bytes",
    };

    /// <summary>"10.0.0.9:80", "10.0.0.9" without a port, "—" without an address.</summary>
    public static string Endpoint(string? ip, int? port) => ip is null ? "—" : port is { } p ? $"{ip}:{p}" : ip;

    /// <summary>
    /// A verdict as an analyst should read it: "neptune 97.0 %", or for a record unlike the training data
    /// "unknown (closest to satan, 0.1 %)": never a known attack name standing alone with a tiny probability.
    /// </summary>
    public static string Verdict(string label, bool unknown, string? closestLabel, float confidence) => unknown
        ? string.Create(CultureInfo.InvariantCulture, $"unknown (closest to {closestLabel ?? "?"}, {confidence:P1})")
        : string.Create(CultureInfo.InvariantCulture, $"{label} {confidence:P1}");

    public static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string UtcMinutes(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
