using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Siem.Bench;

/// <summary>
/// `retrain`: the real app (a separate process) retrains on the whole KDD file plus a 20,000-record site baseline
/// while a client times requests one after another (<c>/readyz</c>: a store query and a classification, and
/// <c>/api/jobs</c>). Reports the retrain's time and the request latency before (idle) and during it, three rounds.
/// </summary>
internal static class RetrainBenchmark
{
    private static readonly TimeSpan IdleProbe = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ProbeGap = TimeSpan.FromMilliseconds(50);

    public static async Task<int> RunAsync(string? path)
    {
        var file = BenchData.KddFile(path);
        var work = Directory.CreateTempSubdirectory("siem-retrain-bench-").FullName;
        Environment.SetEnvironmentVariable("Siem__Training__DataPath", file); // inherited by the server process
        try
        {
            var rounds = new List<(double RetrainSeconds, Latency Idle, Latency During)>();
            for (var round = 1; round <= 3; round++)
            {
                await using var server = await BenchServer.StartAsync(Path.Combine(work, $"app-data-{round}"));
                using var http = server.CreateClient();
                var baseline = await UploadBenchmark.UploadAndWaitAsync(http, new ByteArrayContent(BenchData.FirstLines(20_000)), "baseline.csv", TimeSpan.FromMilliseconds(50));
                (await http.PostAsJsonAsync("api/site/baselines", new { jobId = baseline.GetProperty("id").GetInt64() })).EnsureSuccessStatusCode();

                await ProbeAsync(http, For(TimeSpan.FromSeconds(5))); // warm-up (JIT, the baseline's correlation), not counted
                var idle = await ProbeAsync(http, For(IdleProbe));
                var clock = Stopwatch.StartNew();
                (await http.PostAsJsonAsync("api/models/retrain", new { leaveOneAttackOut = false })).EnsureSuccessStatusCode();
                JsonElement status = default;
                var during = await ProbeAsync(http, until: async () =>
                {
                    status = await http.GetFromJsonAsync<JsonElement>("api/models/retrain");
                    return status.GetProperty("state").GetString() != "Running";
                });
                var seconds = clock.Elapsed.TotalSeconds;
                if (status.GetProperty("state").GetString() != "Succeeded")
                {
                    throw new InvalidOperationException($"retrain ended {status}");
                }

                rounds.Add((seconds, idle, during));
                Console.WriteLine($"round {round}: retrain {seconds:F1}s; idle {idle}; during the retrain {during}");
            }

            var median = rounds.OrderBy(r => r.During.P95).ElementAt(1);
            Console.WriteLine($"retrain (KDD 494,021 + 20,000 site records), median of 3: {rounds.Select(r => r.RetrainSeconds).Order().ElementAt(1):F1}s");
            Console.WriteLine($"request latency idle:           {median.Idle}");
            Console.WriteLine($"request latency during retrain: {median.During}");
            Console.WriteLine($"p95 during / idle: {median.During.P95 / median.Idle.P95:F1}x");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Func<Task<bool>> For(TimeSpan span)
    {
        var clock = Stopwatch.StartNew();
        return () => Task.FromResult(clock.Elapsed > span);
    }

    /// <summary>Times /readyz and /api/jobs alternately, one request at a time, until <paramref name="until"/> says stop.</summary>
    private static async Task<Latency> ProbeAsync(HttpClient http, Func<Task<bool>> until)
    {
        var times = new List<double>();
        string[] paths = ["readyz", "api/jobs"];
        for (var i = 0; !await until(); i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(paths[i % paths.Length]);
            response.EnsureSuccessStatusCode();
            times.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(ProbeGap);
        }

        times.Sort();
        return new Latency(times.Count, times[times.Count / 2], times[(int)(times.Count * 0.95)], times[^1]);
    }

    private sealed record Latency(int Requests, double P50, double P95, double Max)
    {
        public override string ToString() => $"{Requests} requests, p50 {P50:F1} ms, p95 {P95:F1} ms, max {Max:F0} ms";
    }
}
