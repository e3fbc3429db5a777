using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Siem.Cli.Replay;

namespace Siem.Bench;

/// <summary>
/// `latency`: replay at 1,000 records/s for 60 s (SIEM_LATENCY_SECONDS) while a SignalR client on
/// /hubs/live measures, for each request, the delay from sending its records to the hub message whose
/// counts include them; p50, p95 and max per second of the run, and the server's memory each second.
/// </summary>
internal static class LatencyBenchmark
{
    public static async Task<int> RunAsync(string? path)
    {
        var file = BenchData.KddFile(path);
        var seconds = int.Parse(Environment.GetEnvironmentVariable("SIEM_LATENCY_SECONDS") ?? "60", System.Globalization.CultureInfo.InvariantCulture);
        const double rate = 1000;
        var work = Directory.CreateTempSubdirectory("siem-latency-bench-").FullName;
        try
        {
            await using var server = await BenchServer.StartAsync(Path.Combine(work, "app-data"));
            var clock = Stopwatch.StartNew();
            var counted = new ConcurrentQueue<(double At, long Total)>();
            long total = 0;
            await using var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(server.Address, "hubs/live"), o => o.Headers["X-Api-Key"] = BenchServer.ApiKey)
                .Build();
            hub.On<JsonElement>("update", update =>
            {
                if (update.TryGetProperty("counts", out var counts) && counts.ValueKind == JsonValueKind.Object)
                {
                    counted.Enqueue((clock.Elapsed.TotalSeconds, Interlocked.Add(ref total, counts.GetProperty("total").GetInt64())));
                }
            });
            await hub.StartAsync();

            var sends = new ConcurrentQueue<(double At, long Before, int Count)>();
            var memory = new List<(int Second, long Rss)>();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var sampler = Task.Run(async () =>
            {
                for (var s = 0; !stop.IsCancellationRequested; s++)
                {
                    memory.Add((s, server.Memory().Current));
                    await Task.Delay(1000, CancellationToken.None);
                }
            });
            using var http = server.CreateClient();
            var replayer = new Replayer(http) { Sending = (before, count) => sends.Enqueue((clock.Elapsed.TotalSeconds, before, count)) };
            var result = await replayer.RunAsync(new ReplayOptions(file, rate, Loop: true, BatchSize: 100), stop.Token);
            await sampler;
            await Task.Delay(3000); // let the last counts arrive

            var arrivals = counted.ToArray();
            var delays = sends.Select(s =>
            {
                var needed = s.Before + s.Count;
                var seen = arrivals.FirstOrDefault(a => a.Total >= needed && a.At >= s.At);
                return (Second: (int)s.At, Delay: seen == default ? double.NaN : seen.At - s.At);
            }).ToArray();
            var missing = delays.Count(d => double.IsNaN(d.Delay));
            Console.WriteLine($"sent {result.Sent:N0} records in {result.Elapsed.TotalSeconds:F1}s ({result.Sent / result.Elapsed.TotalSeconds:N0}/s), accepted {result.Accepted:N0}, hub counted {Interlocked.Read(ref total):N0}, {result.Throttled} throttled");
            Console.WriteLine("second  p50 ms  p95 ms  max ms  server RSS MiB");
            foreach (var bucket in delays.Where(d => !double.IsNaN(d.Delay)).GroupBy(d => d.Second).OrderBy(g => g.Key))
            {
                var sorted = bucket.Select(d => d.Delay * 1000).Order().ToArray();
                var rss = memory.FirstOrDefault(m => m.Second == bucket.Key).Rss;
                Console.WriteLine($"{bucket.Key,6} {Percentile(sorted, 0.5),7:F0} {Percentile(sorted, 0.95),7:F0} {sorted[^1],7:F0} {rss / (1024 * 1024),14:N0}");
            }

            var all = delays.Where(d => !double.IsNaN(d.Delay)).Select(d => d.Delay * 1000).Order().ToArray();
            Console.WriteLine($"overall: p50 {Percentile(all, 0.5):F0} ms, p95 {Percentile(all, 0.95):F0} ms, max {all[^1]:F0} ms (target p95 < 1000 ms); {missing} requests never counted");
            var steady = memory.Skip(5).Select(m => m.Rss / (1024.0 * 1024)).ToArray();
            Console.WriteLine($"server RSS after warm-up: min {steady.Min():F0} MiB, max {steady.Max():F0} MiB, first {steady[0]:F0} MiB, last {steady[^1]:F0} MiB");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
