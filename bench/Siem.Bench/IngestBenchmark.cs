using Siem.Cli.Replay;

namespace Siem.Bench;

/// <summary>
/// `ingest`: maximum sustained rate through POST /api/ingest with the replay tool (as fast as the server
/// takes it, batches of 2,000, four requests in flight, SIEM_INFLIGHT) after a 20,000-line warm-up, next to `sqlite3 .import` of the same rows in the same run.
/// </summary>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(string? path)
    {
        var file = BenchData.KddFile(path);
        var work = Directory.CreateTempSubdirectory("siem-ingest-bench-").FullName;
        try
        {
            var csv = await SqliteImport.DecompressAsync(file, work);
            var importSeconds = SqliteImport.Run(csv, Path.Combine(work, "import.db"));
            await using var server = await BenchServer.StartAsync(Path.Combine(work, "app-data"));
            using var http = server.CreateClient();
            // A running server has taken traffic before: warm it (JIT, model session) with 20,000 lines.
            var warmUp = Path.Combine(work, "warm-up.csv");
            await File.WriteAllBytesAsync(warmUp, BenchData.FirstLines(20_000));
            await new Replayer(http).RunAsync(new ReplayOptions(warmUp, null, false, 2000, InFlight: 2), CancellationToken.None);
            var (serverCpu, clientCpu) = (server.CpuSeconds(), System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
            var result = await new Replayer(http).RunAsync(new ReplayOptions(file, null, false, 2000, InFlight: int.Parse(Environment.GetEnvironmentVariable("SIEM_INFLIGHT") ?? "4", System.Globalization.CultureInfo.InvariantCulture)), CancellationToken.None);
            var rate = result.Accepted / result.Elapsed.TotalSeconds;
            var importRate = 494_021 / importSeconds;
            Console.WriteLine($"sqlite3 .import:          494,021 rows in {importSeconds:F2}s = {importRate,10:N0} rows/s");
            Console.WriteLine($"replay -> /api/ingest:    {result.Accepted:N0} records in {result.Elapsed.TotalSeconds:F2}s = {rate,10:N0} records/s ({result.Throttled} times throttled)");
            Console.WriteLine($"ingest rate / sqlite3 .import rate: {rate / importRate:P0} (target >= 50 %)");
            Console.WriteLine($"CPU during the replay: server {server.CpuSeconds() - serverCpu:F2}s, replay client {System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - clientCpu:F2}s");
            Console.WriteLine($"server peak RSS: {server.Memory().Peak / (1024 * 1024):N0} MiB");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
