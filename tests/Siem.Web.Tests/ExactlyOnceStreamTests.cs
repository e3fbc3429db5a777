using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Siem.Cli.Replay;
using Siem.TestSupport;
using Siem.Web.Ingest;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>
/// Exactly-once streaming: lines numbered by the client (<c>X-Siem-Stream-Id</c>, <c>X-Siem-First-Line</c>) are
/// stored once however often they are sent, including after the server process is killed in the middle of a
/// request and restarted (a real process, killed with SIGKILL).
/// </summary>
public sealed class ExactlyOnceStreamTests
{
    private static string Lines(int from, int count) =>
        string.Concat(Enumerable.Range(from, count).Select(i => ToCsvLine(i % 5 == 0 ? SynFlood(i) : NormalHttp(i)) + "\n"));

    private static HttpRequestMessage Request(HttpContent body, string? streamId, string? firstLine)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/ingest") { Content = body };
        if (streamId is not null)
        {
            request.Headers.Add(StreamEndpoints.StreamIdHeader, streamId);
        }

        if (firstLine is not null)
        {
            request.Headers.Add(StreamEndpoints.FirstLineHeader, firstLine);
        }

        return request;
    }

    [Fact]
    public async Task A_retried_or_overlapping_request_stores_each_numbered_line_once()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();

        var first = await client.SendAsync(Request(new StringContent(Lines(1, 10)), "sensor-7", "1"));
        var again = await client.SendAsync(Request(new StringContent(Lines(1, 10)), "sensor-7", "1"));
        var overlapping = await client.SendAsync(Request(new StringContent(Lines(6, 10)), "sensor-7", "6"));
        var otherStream = await client.SendAsync(Request(new StringContent(Lines(1, 10)), "sensor-8", "1"));
        var onlyId = await client.SendAsync(Request(new StringContent(Lines(1, 1)), "sensor-7", null));
        var badLine = await client.SendAsync(Request(new StringContent(Lines(1, 1)), "sensor-7", "0"));
        var badId = await client.SendAsync(Request(new StringContent(Lines(1, 1)), "sensor 7/..", "1"));

        Assert.Equal((10L, 0L), await AcceptedAsync(first));
        Assert.Equal((10L, 10L), await AcceptedAsync(again));
        Assert.Equal((10L, 5L), await AcceptedAsync(overlapping));
        Assert.Equal((10L, 0L), await AcceptedAsync(otherStream));
        Assert.Equal(HttpStatusCode.BadRequest, onlyId.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLine.StatusCode);
        Assert.Contains(StreamEndpoints.StreamIdHeader, await badId.Content.ReadAsStringAsync());
        await using var db = app.CreateDb();
        var jobs = db.Jobs.Where(j => j.IsStream).ToDictionary(j => j.FileName, j => j.Id);
        Assert.Equal(15, db.Events.Count(e => e.JobId == jobs["stream: key:bootstrap/sensor-7"]));
        Assert.Equal(10, db.Events.Count(e => e.JobId == jobs["stream: key:bootstrap/sensor-8"]));
        Assert.Equal(25, db.Rollups.Sum(r => r.Count)); // duplicates are not counted either
    }

    [Fact]
    public async Task A_server_killed_while_a_multi_batch_request_is_being_stored_stores_every_record_once_after_the_retry()
    {
        using var data = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(data.Path);
        using var client = server.Client();
        var body = Lines(1, 100_000); // 200 writer batches of 500: the server commits them one by one before it answers

        var sending = client.SendAsync(Request(new StringContent(body), "crash-test", "1"));
        await server.WaitForEventsAsync(1000);
        server.Kill();
        var storedBeforeTheCrash = server.CountEvents();
        try
        {
            (await sending).Dispose(); // answered before the kill (a fast machine): the retry then finds everything stored
        }
        catch (HttpRequestException)
        {
            // the answer is lost: the client must retry
        }

        await server.RestartAsync();
        var retry = await client.SendAsync(Request(new StringContent(body), "crash-test", "1"));

        Assert.Equal((100_000L, storedBeforeTheCrash), await AcceptedAsync(retry)); // what the first try committed is found, not stored again
        Assert.Equal(100_000, server.CountEvents());
    }

    [Fact]
    public async Task Siem_replay_goes_on_after_a_server_restart_and_every_record_is_stored_once()
    {
        using var data = new TempDirectory();
        var file = data.File("records.csv");
        await File.WriteAllTextAsync(file, Lines(1, 6000));
        await using var server = await ServerProcess.StartAsync(Path.Combine(data.Path, "app"));
        using var client = server.Client();

        var replay = new Replayer(client).RunAsync(new ReplayOptions(file, RatePerSecond: 3000, Loop: false, BatchSize: 1000) { RetryFor = TimeSpan.FromMinutes(2) }, CancellationToken.None);
        await server.WaitForEventsAsync(1500);
        server.Kill();
        await server.RestartAsync();
        var result = await replay;

        Assert.Equal(6000, server.CountEvents());
        Assert.Equal((6000L, 6000L, 0L), (result.Sent, result.Accepted, result.Rejected));
        Assert.True(result.Retries >= 1, "the replay had to retry while the server was down");
    }

    private static async Task<(long Accepted, long AlreadyStored)> AcceptedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        var summary = System.Text.Json.JsonSerializer.Deserialize<IngestSummary>(body, ApiHelpers.Json)!;
        return (summary.Accepted, summary.AlreadyStored);
    }

    /// <summary>The web app as its own process on a free port, with stream writer batches of 500 lines.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private const string Key = "crash-test-key-0123456789";
        private readonly string _dataDir;
        private readonly int _port;
        private Process _process;

        private ServerProcess(string dataDir, int port, Process process) => (_dataDir, _port, _process) = (dataDir, port, process);

        public static async Task<ServerProcess> StartAsync(string dataDir)
        {
            var port = FreePort.Next();
            var server = new ServerProcess(dataDir, port, Launch(dataDir, port));
            await server.WaitReadyAsync();
            return server;
        }

        private static Process Launch(string dataDir, int port)
        {
            var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!); // Debug or Release
            var dll = Path.Combine(RepositoryPaths.Root, "src", "Siem.Web", "bin", configuration, "net10.0", "Siem.Web.dll");
            var start = new ProcessStartInfo("dotnet", $"\"{dll}\" --urls http://127.0.0.1:{port}")
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["Siem__DataDir"] = dataDir;
            start.Environment["Siem__Bootstrap__ApiKey"] = Key;
            start.Environment["Siem__Admin__Password"] = "Crash-Test-Password-1";
            start.Environment["Siem__Ingest__StreamBatchSize"] = "500";
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        public HttpClient Client()
        {
            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}/"), Timeout = TimeSpan.FromMinutes(2) };
            client.DefaultRequestHeaders.Add("X-Api-Key", Key);
            return client;
        }

        private async Task WaitReadyAsync()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                Assert.False(_process.HasExited, $"the server exited with {(_process.HasExited ? _process.ExitCode : 0)}");
                try
                {
                    if ((await http.GetAsync($"http://127.0.0.1:{_port}/readyz")).IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                Assert.True(DateTime.UtcNow < deadline, "the server did not become ready");
                await Task.Delay(100);
            }
        }

        public long CountEvents()
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(_dataDir, "siem.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM events";
            return (long)command.ExecuteScalar()!;
        }

        /// <summary>Polls the database file until at least <paramref name="count"/> events are committed.</summary>
        public async Task WaitForEventsAsync(long count)
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!File.Exists(Path.Combine(_dataDir, "siem.db")) || CountEvents() < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} events after two minutes");
                await Task.Delay(20);
            }
        }

        /// <summary>SIGKILL: no shutdown, no flush, as a crash or a power cut of the process.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public async Task RestartAsync()
        {
            _process.Dispose();
            _process = Launch(_dataDir, _port);
            await WaitReadyAsync();
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
