using System.Net;
using System.Net.Sockets;
using Siem.Capture.Flows;
using Siem.Domain.Records;
using Siem.TestSupport;

namespace Siem.Capture.Tests.Sensors;

/// <summary>A capture exported by a real exporter (softflowd) as NetFlow v9 and as IPFIX, decoded and stitched back into connections.</summary>
public sealed class FlowExportTests
{
    /// <summary>
    /// A web session, an unanswered SYN, a DNS question and answer, a ping, a minute ago: softflowd stamps flows in
    /// 32-bit milliseconds of uptime counted from the capture's time, so a capture older than 49 days would wrap.
    /// </summary>
    internal static CaptureBuilder MixedTraffic() => MixedTraffic(Math.Floor(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60.0));

    private static CaptureBuilder MixedTraffic(double Start) => new CaptureBuilder()
        .HttpSession(Start, "192.168.1.10", 50000, "192.168.1.20", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + new string('x', 300))
        .Tcp(Start + 1, "10.0.0.66", 40001, "10.0.0.1", 23, Tcp.Syn)
        .Udp(Start + 2, "192.168.1.10", 53000, "192.168.1.1", 53, 40)
        .Udp(Start + 2.01, "192.168.1.1", 53, "192.168.1.10", 53000, 120)
        .Icmp(Start + 3, "192.168.1.10", "192.168.1.20", 8, 0, 56);

    [RequiresProgramsTheory("softflowd")]
    [InlineData(9)]
    [InlineData(10)]
    public async Task Softflowd_flows_decode_into_the_connections_the_capture_extractor_finds(int version)
    {
        using var folder = new TempDirectory();
        var pcap = folder.File("mixed.pcap");
        MixedTraffic().WritePcap(pcap);
        using var collector = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        await Softflowd.ExportAsync(pcap, ((IPEndPoint)collector.Client.LocalEndPoint!).Port, version);

        var decoder = new FlowDecoder(TimeSpan.FromMinutes(30), TimeProvider.System);
        var stitcher = new FlowStitcher();
        var flows = new List<ExportedFlow>();
        var summaries = new List<FlowSummary>();
        while (collector.Available > 0) // softflowd has exited: what it sent is in the socket's buffer
        {
            var datagram = await collector.ReceiveAsync();
            var outcome = decoder.Decode(datagram.Buffer, datagram.RemoteEndPoint.Address, flows);
            Assert.Null(outcome.Error);
            Assert.Equal((version, 0), (outcome.Version, outcome.UnknownTemplateSets));
        }

        foreach (var flow in flows)
        {
            stitcher.Add(flow, 0, summaries);
        }

        stitcher.Expire(double.PositiveInfinity, summaries);
        var describer = new FlowDescriber();
        var records = summaries.OrderBy(s => s.Start).Select(s => describer.Describe(s)!).ToList();
        var expected = CaptureExtractor.Extract(pcap).ToList();

        Assert.Equal(expected.Count, records.Count);
        foreach (var (flow, connection) in records.Zip(expected))
        {
            Assert.Equal(Describe(connection), Describe(flow));
            // IPFIX stamps milliseconds from the exporter's boot time; NetFlow v9 anchors uptime to the header's whole seconds.
            Assert.Equal(connection.Timestamp!.Value.ToUnixTimeMilliseconds(), flow.Timestamp!.Value.ToUnixTimeMilliseconds(), version == 10 ? 1.0 : 1000.0);
        }

        Assert.Equal(["SF", "S0", "SF", "SF"], records.Select(r => r.Flag));
        Assert.All(records.Take(3), r => Assert.StartsWith("1:", r.CommunityId));
    }

    private static string Describe(ConnectionRecord r) =>
        $"{r.ProtocolType} {r.Service} {r.Flag} {r.SrcIp}:{r.SrcPort} -> {r.DstIp}:{r.DstPort} bytes {r.SrcBytes}/{r.DstBytes}";
}
