using System.Diagnostics;
using Siem.TestSupport;

namespace Siem.Bench;

/// <summary>
/// `upload-postgres [path]`: the whole KDD file through POST /api/uploads of the real app on PostgreSQL (a separate
/// process, a fresh database, warmed by a 20,000-line upload), from request start to job Completed, next to
/// `psql \copy` of the same decompressed CSV into a plain 42-column table of the same server, three rounds, medians.
/// Each round uploads the file twice: the first lands in a new database (new WAL segments, cold caches, the PostgreSQL
/// path's code not yet optimised by the JIT), the second as a running store takes it.
/// The server is a private cluster with PostgreSQL's default durability (fsync, synchronous_commit on), or the one
/// <c>SIEM_TEST_POSTGRES</c> names.
/// </summary>
internal static class PostgresUploadBenchmark
{
    public static async Task<int> RunAsync(string? path)
    {
        var file = BenchData.KddFile(path);
        var work = Directory.CreateTempSubdirectory("siem-pg-upload-bench-").FullName;
        var postgres = PostgresServer.StartDurable();
        try
        {
            var csv = await SqliteImport.DecompressAsync(file, work);
            var copies = new List<double>();
            var uploads = new List<(double Seconds, long Records, long Alerts, double Cpu)>();
            var again = new List<double>();
            for (var round = 1; round <= 3; round++)
            {
                copies.Add(PsqlCopy(postgres, csv, round));
                var environment = new Dictionary<string, string>
                {
                    ["Siem__Store__Provider"] = "Postgres",
                    ["Siem__Store__ConnectionString"] = postgres.NewDatabase("bench_upload"),
                };
                await using var server = await BenchServer.StartAsync(Path.Combine(work, $"app-data-{round}"), environment: environment);
                using var http = server.CreateClient();
                await UploadBenchmark.UploadAndWaitAsync(http, new ByteArrayContent(BenchData.FirstLines(20_000)), "warm-up.csv", TimeSpan.FromMilliseconds(25));
                var cpu = server.CpuSeconds();
                var clock = Stopwatch.StartNew();
                var job = await UploadBenchmark.UploadAndWaitAsync(http, new ByteArrayContent(File.ReadAllBytes(file)), Path.GetFileName(file), TimeSpan.FromMilliseconds(25));
                uploads.Add((clock.Elapsed.TotalSeconds, job.GetProperty("classified").GetInt64(), job.GetProperty("alerts").GetInt64(), server.CpuSeconds() - cpu));
                clock.Restart();
                await UploadBenchmark.UploadAndWaitAsync(http, new ByteArrayContent(File.ReadAllBytes(file)), "again-" + Path.GetFileName(file), TimeSpan.FromMilliseconds(25));
                again.Add(clock.Elapsed.TotalSeconds);
                Console.WriteLine($"round {round}: psql \\copy {copies[^1]:F2}s, upload -> Completed {uploads[^1].Seconds:F2}s (app CPU {uploads[^1].Cpu:F2}s), " +
                                  $"ratio {uploads[^1].Seconds / copies[^1]:F2}; the same file again {again[^1]:F2}s, ratio {again[^1] / copies[^1]:F2}");
            }

            var copySeconds = copies.Order().ElementAt(1);
            var median = uploads.OrderBy(u => u.Seconds).ElementAt(1);
            Console.WriteLine($"psql \\copy (median):          494,021 rows in {copySeconds:F2}s = {494_021 / copySeconds,10:N0} rows/s");
            Console.WriteLine($"upload -> Completed (median): {median.Records:N0} records in {median.Seconds:F2}s = {median.Records / median.Seconds,10:N0} records/s ({median.Alerts:N0} alerts)");
            Console.WriteLine($"ratio upload / psql \\copy time: {median.Seconds / copySeconds:F2} (target <= 2.0)");
            var againSeconds = again.Order().ElementAt(1);
            Console.WriteLine($"the same file again (median): {againSeconds:F2}s, ratio {againSeconds / copySeconds:F2}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Seconds `psql \copy` takes to load the CSV into a new 42-column text table in a new database.</summary>
    private static double PsqlCopy(PostgresServer postgres, string csv, int round)
    {
        var psql = postgres.Bin is { } bin ? Path.Combine(bin, "psql") : "psql";
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(postgres.BaseConnectionString);
        var database = $"copy_bench_{Environment.ProcessId}_{round}";
        string Connection(string db) => $"host={settings.Host} port={settings.Port} user={settings.Username} dbname={db}";
        Psql(psql, Connection("postgres"), $"CREATE DATABASE {database}");
        var columns = string.Join(", ", Enumerable.Range(1, 42).Select(i => $"c{i} text"));
        Psql(psql, Connection(database), $"CREATE TABLE kdd({columns})");
        var clock = Stopwatch.StartNew();
        Psql(psql, Connection(database), $"\\copy kdd FROM '{csv}' WITH (FORMAT csv)");
        return clock.Elapsed.TotalSeconds;
    }

    private static void Psql(string psql, string connection, string command)
    {
        var start = new ProcessStartInfo(psql) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", connection, "-c", command })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("psql not found (apt-get install postgresql-client)");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql {command}: {error}");
        }
    }
}
