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
        using (var server = new LoopbackWebServer(Port))
        {
            await using var capture = await LoopbackCapture.StartAsync(path, $"tcp port {Port}");
            for (var i = 0; i < 3; i++)
            {
                await Programs.RunAsync("curl", $"-s -o /dev/null http://127.0.0.1:{Port}/page{i}");
            }

            await capture.StopAsync();
        }

        var summary = new CaptureSummary();
        var records = CaptureExtractor.Extract(path, summary).Where(r => r.ProtocolType == "tcp").ToList(); // not the end marker

        Assert.Null(summary.Damage);
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(("tcp", "http", "SF", true), (r.ProtocolType, r.Service, r.Flag, r.LoggedIn)));
        Assert.All(records, r => Assert.Equal(("127.0.0.1", Port), (r.DstIp!.ToString(), r.DstPort)));
        Assert.All(records, r => Assert.True(r.SrcBytes > 50 && r.DstBytes > 100, $"{r.SrcBytes} / {r.DstBytes}"));
        Assert.All(records, r => Assert.InRange(r.Timestamp!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow));
    }
}
