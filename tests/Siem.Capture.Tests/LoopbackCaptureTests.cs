using System.Diagnostics;
using System.Net;
using System.Text;
using Siem.TestSupport;

namespace Siem.Capture.Tests;

/// <summary>A real capture: tcpdump on loopback while curl fetches pages from a small local web server.</summary>
public sealed class LoopbackCaptureTests
{
    private const int Port = 8080; // a port KDD's mapping (and ours) calls http

    [RequiresProgramsFact("tcpdump", "curl", Privileged = true)]
    public async Task A_tcpdump_capture_of_curl_fetches_extracts_into_sf_http_records()
    {
        using var folder = new TempDirectory();
        var path = folder.File("loopback.pcap");
        using var server = new HttpListener();
        server.Prefixes.Add($"http://127.0.0.1:{Port}/");
        server.Start();
        var serving = ServeAsync(server);

        using (var tcpdump = await StartTcpdumpAsync(path))
        {
            for (var i = 0; i < 3; i++)
            {
                await RunAsync("curl", $"-s -o /dev/null http://127.0.0.1:{Port}/page{i}");
            }

            await Task.Delay(500); // the last FIN/ACKs reach the capture
            await RunAsync("kill", $"-INT {tcpdump.Id}");
            await tcpdump.WaitForExitAsync();
        }

        server.Stop();
        await serving;
        var summary = new CaptureSummary();
        var records = CaptureExtractor.Extract(path, summary).ToList();

        Assert.Null(summary.Damage);
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(("tcp", "http", "SF", true), (r.ProtocolType, r.Service, r.Flag, r.LoggedIn)));
        Assert.All(records, r => Assert.Equal(("127.0.0.1", Port), (r.DstIp!.ToString(), r.DstPort)));
        Assert.All(records, r => Assert.True(r.SrcBytes > 50 && r.DstBytes > 100, $"{r.SrcBytes} / {r.DstBytes}"));
        Assert.All(records, r => Assert.InRange(r.Timestamp!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow));
    }

    private static async Task ServeAsync(HttpListener server)
    {
        try
        {
            while (server.IsListening)
            {
                var context = await server.GetContextAsync();
                var body = Encoding.ASCII.GetBytes("<html><body>" + new string('x', 500) + "</body></html>");
                context.Response.ContentType = "text/html";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // stopped
        }
    }

    private static async Task<Process> StartTcpdumpAsync(string path)
    {
        var tcpdump = Process.Start(new ProcessStartInfo("tcpdump", $"-i lo -n --immediate-mode -U -w {path} tcp port {Port}") { RedirectStandardError = true })!;
        // tcpdump says "listening on lo" once the capture runs; packets before that would be lost.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await tcpdump.StandardError.ReadLineAsync() is { } line)
        {
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                return tcpdump;
            }

            if (DateTime.UtcNow > deadline)
            {
                break;
            }
        }

        throw new InvalidOperationException("tcpdump did not start capturing on lo (it needs root or CAP_NET_RAW).");
    }

    private static async Task RunAsync(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments))!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
