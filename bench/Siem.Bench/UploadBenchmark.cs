using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Siem.Bench;

/// <summary>
/// `upload`: the whole KDD file through POST /api/uploads of the real app (a separate process, fresh data
/// folder, warmed by a 20,000-line upload), from request start to job Completed, next to `sqlite3 .import`
/// of the same decompressed CSV, three rounds, medians. Reports the server's CPU and peak resident memory.
/// </summary>
internal static class UploadBenchmark
{
    public static async Task<int> RunAsync(string? path)
    {
        var file = BenchData.KddFile(path);
        var work = Directory.CreateTempSubdirectory("siem-upload-bench-").FullName;
        try
        {
            var csv = await SqliteImport.DecompressAsync(file, work);
            var imports = new List<double>();
            var uploads = new List<(double Seconds, JsonElement Job, long PeakRss)>();
            for (var round = 1; round <= 3; round++)
            {
                imports.Add(SqliteImport.Run(csv, Path.Combine(work, $"import-{round}.db")));
                await using var server = await BenchServer.StartAsync(Path.Combine(work, $"app-data-{round}"));
                using var http = server.CreateClient();
                await UploadAndWaitAsync(http, BenchData.FirstLines(20_000), "warm-up.csv");
                var cpu = server.CpuSeconds();
                var clock = Stopwatch.StartNew();
                var job = await UploadAndWaitAsync(http, File.ReadAllBytes(file), Path.GetFileName(file));
                uploads.Add((clock.Elapsed.TotalSeconds, job, server.Memory().Peak));
                Console.WriteLine($"round {round}: sqlite3 .import {imports[^1]:F2}s, upload -> Completed {uploads[^1].Seconds:F2}s, " +
                                  $"server CPU {server.CpuSeconds() - cpu:F2}s, peak RSS {uploads[^1].PeakRss / (1024 * 1024):N0} MiB");
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

    private static Task<JsonElement> UploadAndWaitAsync(HttpClient http, byte[] content, string name) =>
        UploadAndWaitAsync(http, new ByteArrayContent(content), name, TimeSpan.FromMilliseconds(25));

    /// <summary>Posts <paramref name="file"/> to POST /api/uploads and polls its job until it ends; a job that does not complete throws.</summary>
    internal static async Task<JsonElement> UploadAndWaitAsync(HttpClient http, HttpContent file, string name, TimeSpan poll)
    {
        using var form = new MultipartFormDataContent();
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", name);
        var response = await http.PostAsync("api/uploads", form);
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        while (true)
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"api/jobs/{id}");
            var status = job.GetProperty("status").GetString();
            if (status is "Completed" or "Failed" or "Cancelled")
            {
                return status == "Completed" ? job : throw new InvalidOperationException($"job ended {status}: {job}");
            }

            await Task.Delay(poll);
        }
    }
}
