using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Siem.Detection.Reading;
using Siem.Domain.Records;

namespace Siem.Bench;

/// <summary>
/// `retention`: ingest rate while the retention sweeper deletes 1,000,000 events, against the ingest rate without it,
/// in the same server process. Each round: a fresh app (retention on, events kept 30 days, the timer far off) is loaded
/// with 1,000,000 events dated 100 days ago (the KDD file with a timestamp column, uploaded until 1M); the whole KDD
/// file is uploaded once alone (the yardstick) and once while <c>POST /api/admin/retention/sweep</c> deletes the old
/// million, in either order (alternating rounds); four rounds.
/// </summary>
internal static class RetentionBenchmark
{
    private const int OldEvents = 1_000_000;

    public static async Task<int> RunAsync(string? path)
    {
        var file = BenchData.KddFile(path);
        var work = Directory.CreateTempSubdirectory("siem-retention-bench-").FullName;
        try
        {
            var kdd = File.ReadAllBytes(file);
            var old = OldFile(file, DateTimeOffset.UtcNow.AddDays(-100));
            var environment = new Dictionary<string, string>
            {
                ["Siem__Retention__Enabled"] = "true",
                ["Siem__Retention__EventDays"] = "30",
                ["Siem__Retention__Interval"] = "30.00:00:00",
            };
            var rounds = new List<(double Alone, double During, double SweepSeconds, long Deleted, long Records)>();
            for (var round = 1; round <= 4; round++)
            {
                await using var server = await BenchServer.StartAsync(Path.Combine(work, $"app-data-{round}"), environment: environment);
                using var http = server.CreateClient();
                foreach (var (part, name) in old)
                {
                    await UploadBenchmark.UploadAndWaitAsync(http, new ByteArrayContent(part), name, TimeSpan.FromMilliseconds(100));
                }

                // Alternate which upload goes first, so a warmer second upload favours neither side.
                var duringFirst = round % 2 == 0;
                double aloneSeconds = 0, duringSeconds = 0, sweepSeconds = 0;
                long records = 0, deleted = 0;
                for (var step = 0; step < 2; step++)
                {
                    var clock = Stopwatch.StartNew();
                    if ((step == 0) == duringFirst)
                    {
                        var sweep = http.PostAsync("api/admin/retention/sweep", null);
                        await UploadBenchmark.UploadAndWaitAsync(http, new ByteArrayContent(kdd), "during.gz", TimeSpan.FromMilliseconds(25));
                        duringSeconds = clock.Elapsed.TotalSeconds;
                        var result = await (await sweep).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
                        sweepSeconds = result.GetProperty("seconds").GetDouble();
                        deleted = result.GetProperty("events").GetInt64();
                    }
                    else
                    {
                        var alone = await UploadBenchmark.UploadAndWaitAsync(http, new ByteArrayContent(kdd), "alone.gz", TimeSpan.FromMilliseconds(25));
                        aloneSeconds = clock.Elapsed.TotalSeconds;
                        records = alone.GetProperty("classified").GetInt64();
                    }
                }

                rounds.Add((aloneSeconds, duringSeconds, sweepSeconds, deleted, records));
                Console.WriteLine($"round {round} ({(duringFirst ? "during first" : "alone first")}): ingest alone {records / aloneSeconds:N0} records/s, during the sweep {records / duringSeconds:N0} records/s " +
                                  $"(ratio {aloneSeconds / duringSeconds:F2}); sweep deleted {deleted:N0} events in {sweepSeconds:F1}s " +
                                  $"({deleted / sweepSeconds:N0}/s, {(sweepSeconds > duringSeconds ? "covering the whole upload" : "ended before the upload")})");
            }

            // The second upload of a round is the faster one (warmer): half the rounds put each side second, and the
            // geometric mean of the ratios cancels that out.
            var ratio = Math.Exp(rounds.Average(r => Math.Log(r.Alone / r.During)));
            Console.WriteLine($"ingest alone (median of rounds):        {rounds.Select(r => r.Records / r.Alone).Order().ElementAt(2),10:N0} records/s");
            Console.WriteLine($"ingest while deleting 1M (median):      {rounds.Select(r => r.Records / r.During).Order().ElementAt(2),10:N0} records/s");
            Console.WriteLine($"ratio during / alone (geometric mean of 4 rounds, 2 each way round): {ratio:F2}");
            Console.WriteLine($"the sweep: 1,000,000 events in {rounds.Select(r => r.SweepSeconds).Order().ElementAt(2):F1}s (median)");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>1,000,000 KDD records with a timestamp column (one second apart from <paramref name="start"/>), in uploads of at most 494,021 lines.</summary>
    private static List<(byte[] Content, string Name)> OldFile(string file, DateTimeOffset start)
    {
        var header = "timestamp," + string.Join(',', KddFeatures.Names) + ",label\n";
        var lines = new List<string>();
        using (var reader = new StreamReader(InputStreams.OpenFile(file)))
        {
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }

        var parts = new List<(byte[], string)>();
        var text = new StringBuilder(header);
        for (var i = 0; i < OldEvents; i++)
        {
            text.Append(start.AddSeconds(i).ToString("O", CultureInfo.InvariantCulture)).Append(',').Append(lines[i % lines.Count]).Append('\n');
            if ((i + 1) % lines.Count == 0 || i == OldEvents - 1)
            {
                parts.Add((Encoding.UTF8.GetBytes(text.ToString()), $"old-{parts.Count + 1}.csv"));
                text.Clear().Append(header);
            }
        }

        return parts;
    }
}
