using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Cli.Commands;
using Siem.Cli.Replay;
using Siem.Store.Ingest;
using Siem.TestSupport;
using Siem.Web.Ingest;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>`siem replay` against the real app.</summary>
[Collection(nameof(ReplayTests))]
[CollectionDefinition(nameof(ReplayTests), DisableParallelization = true)]
public sealed class ReplayTests
{
    private static string WriteFile(TempDirectory temp, int records, bool withBadLine)
    {
        var path = temp.File("replay.csv");
        var lines = Enumerable.Range(0, records).Select(i => ToCsvLine(i % 2 == 0 ? NormalHttp(i) : SynFlood(i), i % 2 == 0 ? "normal" : "neptune")).ToList();
        if (withBadLine)
        {
            lines.Insert(3, "this line is broken");
        }

        File.WriteAllLines(path, lines);
        return path;
    }

    private static async Task<long> StreamedEventsAsync(SiemAppFactory app)
    {
        await using var db = app.CreateDb();
        return await db.Events.CountAsync(e => db.Jobs.Any(j => j.Id == e.JobId && j.IsStream));
    }

    [Fact]
    public async Task The_replay_command_streams_a_file_at_a_rate_to_a_running_server()
    {
        await using var app = new SiemAppFactory();
        app.UseKestrel(0);
        app.StartServer();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        using var temp = new TempDirectory();
        var file = WriteFile(temp, 60, withBadLine: true);
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var errors = new StringWriter();
        Console.SetError(errors);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int exit;
        try
        {
            exit = await SiemCommandLine.Build().Parse(["replay", file, "--url", url, "--api-key", SiemAppFactory.AdminKey, "--rate", "200", "--batch", "20"]).InvokeAsync();
        }
        finally
        {
            Console.SetError(stderr);
        }

        Assert.True(exit == 0, errors.ToString());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(61 / 200.0), $"61 lines at 200/s took only {clock.Elapsed.TotalSeconds:F2}s: the rate overshot");
        Assert.Contains("61 of 61 lines acknowledged: 60 records accepted (0 of them found already stored after a retry), 1 lines rejected by the server", errors.ToString());
        var rate = System.Text.RegularExpressions.Regex.Match(errors.ToString(), @"([\d,]+) lines/s").Groups[1].Value;
        Assert.True(int.Parse(rate, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture) <= 200, $"printed {rate} lines/s for --rate 200");
        Assert.Equal(60, await StreamedEventsAsync(app));
    }

    [Fact]
    public async Task Replay_waits_on_429_and_resends_only_what_was_not_taken()
    {
        await using var small = new SiemAppFactory();
        var (app, http, ingest) = small.WithSaturatedStream(TimeSpan.FromMilliseconds(100));
        _ = ingest.WhenFirstRefused.ContinueWith(_ => ingest.ResumeWriting(), TaskScheduler.Default); // saturated once, then drains
        using var temp = new TempDirectory();

        var result = await new Replayer(http).RunAsync(new ReplayOptions(WriteFile(temp, 100, withBadLine: false), null, false, 50), CancellationToken.None);

        Assert.Equal((100L, 100L, 0L), (result.Sent, result.Accepted, result.Rejected));
        Assert.True(result.Throttled >= 1);
        await using var db = app.Services.CreateScope().ServiceProvider.GetRequiredService<Siem.Store.Persistence.SiemDbContext>();
        Assert.Equal(100, await db.Events.CountAsync());
        Assert.Equal(100, await db.Events.Select(e => e.Line).Distinct().CountAsync());
    }

    [Fact]
    public async Task A_file_with_a_header_and_timestamps_replays_as_traffic_happening_now()
    {
        await using var app = new SiemAppFactory();
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", SiemAppFactory.AdminKey);
        using var temp = new TempDirectory();
        var path = temp.File("with-header.csv");
        File.WriteAllText(path, IngestTests.MixedFile(out var good, out var bad)); // header with timestamp and dst_ip, 2026-11-20
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var result = await new Replayer(http).RunAsync(new ReplayOptions(path, null, false, 7), CancellationToken.None);

        Assert.Equal((long)good, result.Accepted);
        Assert.Equal(bad.Length, result.Rejected);
        await using var db = app.CreateDb();
        var events = await db.Events.ToListAsync();
        Assert.Equal(good, events.Count);
        Assert.All(events, e => Assert.True(e.TimeMs >= started, "a replayed record kept its file timestamp"));
        Assert.Equal(20, events.Count(e => e.Connection.DstIp?.ToString() == "10.0.0.9")); // other metadata is kept
    }

    [Fact]
    public async Task A_bad_key_stops_the_replay_with_a_clear_error()
    {
        await using var app = new SiemAppFactory();
        var http = app.CreateClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", "wrong");
        using var temp = new TempDirectory();

        var error = await Assert.ThrowsAsync<ReplayRefusedException>(() => new Replayer(http).RunAsync(new ReplayOptions(WriteFile(temp, 5, false), null, false, 10), CancellationToken.None));

        Assert.Contains("401", error.Message);
    }
}
