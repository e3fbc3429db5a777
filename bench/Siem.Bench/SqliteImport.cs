using System.Diagnostics;
using System.IO.Compression;

namespace Siem.Bench;

/// <summary>The yardstick: the sqlite3 CLI importing the same decompressed CSV into a plain 42-column table.</summary>
internal static class SqliteImport
{
    public static async Task<string> DecompressAsync(string gzipFile, string directory)
    {
        var csv = Path.Combine(directory, "kdd.csv");
        await using var input = new GZipStream(File.OpenRead(gzipFile), CompressionMode.Decompress);
        await using var output = File.Create(csv);
        await input.CopyToAsync(output);
        return csv;
    }

    /// <summary>Seconds `sqlite3 .import` takes (needs the sqlite3 CLI: apt-get install sqlite3).</summary>
    public static double Run(string csv, string database)
    {
        var columns = string.Join(", ", Enumerable.Range(1, 42).Select(i => $"c{i}"));
        var start = new ProcessStartInfo("sqlite3", database) { RedirectStandardInput = true, RedirectStandardError = true };
        var clock = Stopwatch.StartNew();
        using var sqlite = Process.Start(start) ?? throw new InvalidOperationException("sqlite3 not found (apt-get install sqlite3)");
        sqlite.StandardInput.WriteLine($"CREATE TABLE kdd({columns});");
        sqlite.StandardInput.WriteLine(".mode csv");
        sqlite.StandardInput.WriteLine($".import '{csv}' kdd");
        sqlite.StandardInput.Close();
        sqlite.WaitForExit();
        return clock.Elapsed.TotalSeconds;
    }
}
