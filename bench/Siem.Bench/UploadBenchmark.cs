using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Siem.Bench;

/// <summary>
/// `upload`: the whole KDD file through POST /api/uploads of the real app (a separate process on
/// Kestrel with a fresh data folder, warmed by a 20,000-line upload), from request start to job Completed, next to `sqlite3 .import`
/// of the same decompressed CSV into a plain 42-column table, in the same run. Reports the server's
/// peak resident memory.
/// </summary>
internal static class UploadBenchmark
{
    private const string ApiKey = "bench-key-0123456789abcdef";

    public static async Task<int> RunAsync(string? path)
    {
        var file = BenchData.KddFile(path);
        var work = Directory.CreateTempSubdirectory("siem-upload-bench-").FullName;
        try
        {
            var csv = Path.Combine(work, "kdd.csv");
            await using (var input = new GZipStream(File.OpenRead(file), CompressionMode.Decompress))
            await using (var output = File.Create(csv))
            {
                await input.CopyToAsync(output);
            }

            // Three rounds, alternating, each on a fresh database; medians are reported (the disk is noisy).
            var imports = new List<double>();
            var uploads = new List<(double Seconds, JsonElement Job, long PeakRss)>();
            for (var round = 1; round <= 3; round++)
            {
                imports.Add(SqliteImport(csv, Path.Combine(work, $"import-{round}.db")));
                uploads.Add(await UploadAsync(file, Path.Combine(work, $"app-data-{round}")));
                Console.WriteLine($"round {round}: sqlite3 .import {imports[^1]:F2}s, upload -> Completed {uploads[^1].Seconds:F2}s, peak RSS {uploads[^1].PeakRss / (1024 * 1024):N0} MiB");
            }

            var importSeconds = imports.Order().ElementAt(1);
            var median = uploads.OrderBy(u => u.Seconds).ElementAt(1);
            var records = median.Job.GetProperty("classified").GetInt64();
            Console.WriteLine($"sqlite3 .import (median):     494,021 rows in {importSeconds:F2}s = {494_021 / importSeconds,10:N0} rows/s");
            Console.WriteLine($"upload -> Completed (median): {records:N0} records in {median.Seconds:F2}s = {records / median.Seconds,10:N0} records/s " +
                              $"({median.Job.GetProperty("alerts").GetInt64():N0} alerts, {median.Job.GetProperty("rejected").GetInt64()} rejected)");
            Console.WriteLine($"ratio upload / sqlite3 .import time: {median.Seconds / importSeconds:F2} (target <= 2.0)");
            Console.WriteLine($"server peak RSS (max of rounds): {uploads.Max(u => u.PeakRss) / (1024 * 1024):N0} MiB");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static double SqliteImport(string csv, string database)
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

    private static async Task<(double Seconds, JsonElement Job, long PeakRss)> UploadAsync(string file, string dataDir)
    {
        var root = BenchData.RepositoryRoot();
        var dll = Path.Combine(root, "src", "Siem.Web", "bin", "Release", "net10.0", "Siem.Web.dll");
        if (!File.Exists(dll) || Environment.GetEnvironmentVariable("SIEM_BENCH_NO_BUILD") is null)
        {
            Run("dotnet", $"build \"{Path.Combine(root, "src", "Siem.Web")}\" -c Release -v q -nologo");
            Environment.SetEnvironmentVariable("SIEM_BENCH_NO_BUILD", "1");
        }
        var port = 5600 + Random.Shared.Next(300);
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Siem__DataDir"] = dataDir;
        start.Environment["Siem__Bootstrap__ApiKey"] = ApiKey;
        start.Environment["Siem__Admin__Password"] = "Bench-Password-1234";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, e) => { if (e.Data?.Contains("writing", StringComparison.Ordinal) == true || e.Data?.Contains("Correlated", StringComparison.Ordinal) == true) { Console.WriteLine("  server: " + e.Data.Trim()); } };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(10) };
            http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            await WaitUntilUpAsync(http);
            // A running server has served uploads before: warm it (JIT, model session) with a small one.
            await UploadAndWaitAsync(http, BenchData.FirstLines(20_000), "warm-up.csv");

            var cpuBefore = CpuSeconds(server.Id);
            var clock = Stopwatch.StartNew();
            var job = await UploadAndWaitAsync(http, File.ReadAllBytes(file), Path.GetFileName(file));
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  server CPU during the upload: {CpuSeconds(server.Id) - cpuBefore:F2}s");
            return (seconds, job, PeakRss(server.Id));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    private static async Task<JsonElement> UploadAndWaitAsync(HttpClient http, byte[] content, string name)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", name);
        var response = await http.PostAsync("/api/uploads", form);
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
            var status = job.GetProperty("status").GetString();
            if (status is "Completed" or "Failed" or "Cancelled")
            {
                return status == "Completed" ? job : throw new InvalidOperationException($"job ended {status}: {job}");
            }

            await Task.Delay(25);
        }
    }

    private static async Task WaitUntilUpAsync(HttpClient http)
    {
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await http.GetAsync("/api/jobs")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The app did not start within a minute.");
    }

    /// <summary>User + system CPU seconds a process has used, from /proc/pid/stat.</summary>
    private static double CpuSeconds(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>VmHWM: the peak resident set size of a process, from /proc.</summary>
    private static long PeakRss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    private static void Run(string command, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments)) ?? throw new InvalidOperationException(command);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {arguments} failed ({process.ExitCode})");
        }
    }
}
