using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Siem.Cli.Commands;

namespace Siem.Bench;

/// <summary>
/// `queries [events]`: fills a store with `siem seed` records (default 5,000,000, over 7 days) through an
/// upload to the real app, then times each page's data queries as the API serves them: timeline 7 d,
/// attack breakdown 7 d, incidents page 1, explorer queries with a filter. The filled store is kept
/// (SIEM_BENCH_STORE, default /tmp/siem-query-bench-N) so later runs only time the queries.
/// `queries-postgres [events]`: the same on PostgreSQL, in database siem_query_bench_N of the server SIEM_TEST_POSTGRES
/// names (kept there, so later runs only time the queries), else of a private cluster started for the run.
/// </summary>
internal static class QueryBenchmark
{
    private const int Runs = 7;

    public static async Task<int> RunAsync(string? eventsArgument, bool postgres = false)
    {
        var events = eventsArgument is null ? 5_000_000 : long.Parse(eventsArgument, CultureInfo.InvariantCulture);
        var store = Environment.GetEnvironmentVariable("SIEM_BENCH_STORE") ?? Path.Combine(Path.GetTempPath(), $"siem-query-bench-{(postgres ? "pg-" : "")}{events}");
        Directory.CreateDirectory(store);
        var environment = new Dictionary<string, string>();
        if (postgres)
        {
            environment["Siem__Store__Provider"] = "Postgres";
            environment["Siem__Store__ConnectionString"] = $"{Siem.TestSupport.PostgresServer.StartDurable().BaseConnectionString};Database=siem_query_bench_{events}";
        }

        await using var log = new StreamWriter(Path.Combine(store, "server.log"), append: true) { AutoFlush = true };
        await using var server = await BenchServer.StartAsync(Path.Combine(store, "app-data"), line => { lock (log) { log.WriteLine(line); } }, environment);
        using var http = server.CreateClient();
        var jobs = await http.GetFromJsonAsync<JsonElement>("api/jobs");
        if (jobs.GetArrayLength() == 0)
        {
            await FillAsync(http, store, events);
        }

        var seedJob = (await http.GetFromJsonAsync<JsonElement>("api/jobs")).EnumerateArray().Select(j => j.GetProperty("id").GetInt64()).Min();
        var to = DateTimeOffset.UtcNow;
        var from = to.AddDays(-7);
        var range = $"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}";
        var queries = new (string Name, string Url)[]
        {
            ("timeline 7 d", $"api/stats/timeline?{range}"),
            ("breakdown 7 d", $"api/stats/attacks?{range}"),
            ("incidents page 1", "api/incidents?page=1&pageSize=50"),
            // The explorer page asks for its rows (count=false) and then, once per query, for the count (Siem:Store:CountBudget).
            ("explorer: label:neptune and service:private", "api/events?pageSize=50&count=false&q=" + Uri.EscapeDataString("label:neptune and service:private")),
            ("explorer: category:r2l or unknown:true, 7 d", $"api/events?pageSize=50&count=false&{range}&q=" + Uri.EscapeDataString("category:r2l or unknown:true")),
            ("explorer: label:guess_passwd (rare)", "api/events?pageSize=50&count=false&q=" + Uri.EscapeDataString("label:guess_passwd")),
            ("explorer histogram: everything, 7 d", $"api/events/histogram?{range}"),
            ("explorer histogram: label:smurf or label:back", "api/events/histogram?q=" + Uri.EscapeDataString("label:smurf or label:back")),
            ("explorer export: label:guess_passwd (CSV)", "api/events/export?q=" + Uri.EscapeDataString("label:guess_passwd")),
            ("model page: evaluation of the seeded upload", $"api/jobs/{seedJob}/evaluation"),
            ("explorer: src_bytes>10000 and flag:SF, page 3", "api/events?pageSize=50&page=3&count=false&q=" + Uri.EscapeDataString("src_bytes>10000 and flag:SF")),
            ("explorer count: label:neptune and service:private", "api/events/count?q=" + Uri.EscapeDataString("label:neptune and service:private")),
            ("explorer count: category:r2l or unknown:true, 7 d", $"api/events/count?{range}&q=" + Uri.EscapeDataString("category:r2l or unknown:true")),
            ("explorer count: label:guess_passwd (rare)", "api/events/count?q=" + Uri.EscapeDataString("label:guess_passwd")),
            ("explorer count: src_bytes>10000 and flag:SF", "api/events/count?q=" + Uri.EscapeDataString("src_bytes>10000 and flag:SF")),
        };

        var totals = await http.GetFromJsonAsync<JsonElement>("api/stats/breakdown");
        Console.WriteLine($"store: {totals.GetProperty("total").GetInt64():N0} events, {totals.GetProperty("alerts").GetInt64():N0} alerts, in {store}");
        foreach (var (name, url) in queries)
        {
            var times = new List<double>();
            string? summary = null;
            for (var run = 0; run <= Runs; run++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await http.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                clock.Stop();
                response.EnsureSuccessStatusCode();
                if (run > 0)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds); // run 0 warms up
                }

                summary ??= Describe(body);
            }

            times.Sort();
            Console.WriteLine($"{name,-48} median {times[times.Count / 2],7:F1} ms, max {times[^1],7:F1} ms  ({summary})");
        }

        Console.WriteLine("target: each page's query under 200 ms (times include the loopback HTTP round trip); the explorer's counts follow its rows, bounded by Siem:Store:CountBudget");
        return 0;
    }

    private static async Task FillAsync(HttpClient http, string store, long events)
    {
        var seedFile = Path.Combine(store, "seed.csv.gz");
        if (!File.Exists(seedFile))
        {
            var exit = await SiemCommandLine.Build().Parse(["seed", "--events", events.ToString(CultureInfo.InvariantCulture), "--out", seedFile]).InvokeAsync();
            if (exit != 0)
            {
                throw new InvalidOperationException("siem seed failed");
            }
        }

        var clock = Stopwatch.StartNew();
        await using var content = File.OpenRead(seedFile);
        var job = await UploadBenchmark.UploadAndWaitAsync(http, new StreamContent(content), "seed.csv.gz", TimeSpan.FromSeconds(1));
        Console.WriteLine($"filled: {job.GetProperty("classified").GetInt64():N0} events, {job.GetProperty("alerts").GetInt64():N0} alerts in {clock.Elapsed.TotalSeconds:F0} s");

        // Let the correlator turn the alerts into incidents before anything is timed.
        long last = -1;
        while (true)
        {
            await Task.Delay(2000);
            var incidents = (await http.GetFromJsonAsync<JsonElement>("api/incidents?pageSize=1")).GetProperty("total").GetInt64();
            if (incidents == last)
            {
                Console.WriteLine($"incidents: {incidents:N0} after {clock.Elapsed.TotalSeconds:F0} s");
                return;
            }

            last = incidents;
        }
    }

    private static string Describe(string body)
    {
        if (!body.StartsWith('{'))
        {
            return $"{body.Count(c => c == '\n')} CSV lines";
        }

        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        return root.TryGetProperty("total", out var total)
                ? $"total {total}{(root.TryGetProperty("totalIsLowerBound", out var more) && more.GetBoolean() ? "+" : "")}"
            : root.TryGetProperty("buckets", out var buckets) ? $"{buckets.GetArrayLength()} buckets"
            : root.TryGetProperty("alerts", out var alerts) ? $"{alerts} alerts"
            : root.TryGetProperty("accuracy", out var accuracy) ? $"accuracy {accuracy.GetDouble():P2}"
            : $"{body.Length} bytes";
    }
}
