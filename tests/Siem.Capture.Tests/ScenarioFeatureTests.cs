using System.Net;
using Siem.Domain.Records;

namespace Siem.Capture.Tests;

/// <summary>Each scenario's records, with the values worked out by hand from the KDD definitions.</summary>
public sealed class ScenarioFeatureTests
{
    [Fact]
    public void Normal_http_sessions_are_sf_with_both_byte_counts_and_one_service()
    {
        var records = CaptureScenarios.Extract(CaptureScenarios.NormalHttp());

        Assert.Equal(3, records.Count);
        for (var i = 0; i < 3; i++)
        {
            var r = records[i];
            var k = i + 1; // connections to this host (and service) in the window, this one included
            Assert.Equal(("tcp", "http", "SF"), (r.ProtocolType, r.Service, r.Flag));
            Assert.Equal(0, r.Duration);
            Assert.Equal(CaptureScenarios.HttpRequest.Length, r.SrcBytes);
            Assert.Equal(CaptureScenarios.HttpResponse(400).Length, r.DstBytes);
            Assert.True(r.LoggedIn);
            Assert.False(r.Land);
            Assert.Equal((k, k), (r.Count, r.SrvCount));
            Assert.Equal((0.0, 0.0, 0.0, 0.0), (r.SerrorRate, r.SrvSerrorRate, r.RerrorRate, r.SrvRerrorRate));
            Assert.Equal((1.0, 0.0, 0.0), (r.SameSrvRate, r.DiffSrvRate, r.SrvDiffHostRate));
            Assert.Equal((k, k), (r.DstHostCount, r.DstHostSrvCount));
            Assert.Equal((1.0, 0.0), (r.DstHostSameSrvRate, r.DstHostDiffSrvRate));
            Assert.Equal(Math.Round(1.0 / k, 2), r.DstHostSameSrcPortRate); // a new client port each time
            Assert.Equal(IPAddress.Parse("192.168.1.10"), r.SrcIp);
            Assert.Equal(IPAddress.Parse("192.168.1.20"), r.DstIp);
            Assert.Equal((50000 + i, 80), (r.SrcPort, r.DstPort));
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000L + 500 * i), r.Timestamp);
        }
    }

    [Fact]
    public void Pcapng_gives_the_same_records_as_pcap()
    {
        var pcap = CaptureScenarios.Extract(CaptureScenarios.NormalHttp());
        var pcapNg = CaptureScenarios.Extract(CaptureScenarios.NormalHttp(), pcapNg: true);

        Assert.Equal(pcap, pcapNg);
    }

    [Fact]
    public void A_gzip_compressed_capture_gives_the_same_records()
    {
        using var folder = new Siem.TestSupport.TempDirectory();
        var plain = folder.File("web.pcap");
        CaptureScenarios.NormalHttp().WritePcap(plain);
        var zipped = folder.File("web.pcap.gz");
        using (var input = File.OpenRead(plain))
        using (var output = new System.IO.Compression.GZipStream(File.Create(zipped), System.IO.Compression.CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }

        Assert.Equal(CaptureFormat.Pcap, CaptureFiles.Detect(zipped));
        Assert.Equal(CaptureExtractor.Extract(plain).ToList(), CaptureExtractor.Extract(zipped).ToList());
        string? copy;
        using (var reader = new CaptureReader(zipped))
        {
            copy = reader.UnpackedCopy;
            Assert.True(File.Exists(copy));
        }

        // This reader's copy is gone (the temp folder is shared with other tests and processes unpacking their own).
        Assert.False(File.Exists(copy));
    }

    [Fact]
    public void Syn_flood_gives_s0_records_with_all_syn_errors_and_a_rising_count()
    {
        var records = CaptureScenarios.Extract(CaptureScenarios.SynFlood());

        Assert.Equal(300, records.Count);
        Assert.All(records, r => Assert.Equal(("tcp", "http", "S0", 0L, 0L), (r.ProtocolType, r.Service, r.Flag, r.SrcBytes, r.DstBytes)));
        Assert.All(records, r => Assert.Equal((1.0, 1.0), (r.SerrorRate, r.DstHostSerrorRate)));
        Assert.Equal(Enumerable.Range(1, 300), records.Select(r => r.Count)); // all 300 SYNs fall within 2 s
        var last = records[^1];
        Assert.Equal((300, 300), (last.Count, last.SrvCount));
        Assert.Equal((1.0, 1.0, 0.0, 0.0), (last.SerrorRate, last.SrvSerrorRate, last.RerrorRate, last.SrvRerrorRate));
        Assert.Equal((1.0, 0.0, 0.0), (last.SameSrvRate, last.DiffSrvRate, last.SrvDiffHostRate));
        // The host window holds the last 100 connections, each from its own source port.
        Assert.Equal((100, 100), (last.DstHostCount, last.DstHostSrvCount));
        Assert.Equal((1.0, 0.0, 0.01, 0.0), (last.DstHostSameSrvRate, last.DstHostDiffSrvRate, last.DstHostSameSrcPortRate, last.DstHostSrvDiffHostRate));
        Assert.Equal((1.0, 1.0, 0.0, 0.0), (last.DstHostSerrorRate, last.DstHostSrvSerrorRate, last.DstHostRerrorRate, last.DstHostSrvRerrorRate));
    }

    [Fact]
    public void Port_sweep_gives_rej_records_each_to_a_different_service()
    {
        var records = CaptureScenarios.Extract(CaptureScenarios.PortSweep());

        Assert.Equal(20, records.Count);
        Assert.All(records, r => Assert.Equal("REJ", r.Flag));
        Assert.Equal(20, records.Select(r => r.Service).Distinct().Count());
        Assert.Equal(["echo", "discard", "systat"], records.Take(3).Select(r => r.Service));
        var last = records[^1]; // port 143: imap4
        Assert.Equal("imap4", last.Service);
        Assert.Equal((20, 1), (last.Count, last.SrvCount));
        Assert.Equal((0.0, 0.0, 1.0, 1.0), (last.SerrorRate, last.SrvSerrorRate, last.RerrorRate, last.SrvRerrorRate));
        Assert.Equal((0.05, 0.95, 0.0), (last.SameSrvRate, last.DiffSrvRate, last.SrvDiffHostRate));
        Assert.Equal((20, 1), (last.DstHostCount, last.DstHostSrvCount));
        Assert.Equal((0.05, 0.95, 1.0, 0.0), (last.DstHostSameSrvRate, last.DstHostDiffSrvRate, last.DstHostSameSrcPortRate, last.DstHostSrvDiffHostRate));
        Assert.Equal((0.0, 0.0, 1.0, 1.0), (last.DstHostSerrorRate, last.DstHostSrvSerrorRate, last.DstHostRerrorRate, last.DstHostSrvRerrorRate));
    }

    [Fact]
    public void Icmp_echo_flood_gives_one_eco_i_record_per_message()
    {
        var records = CaptureScenarios.Extract(CaptureScenarios.IcmpEchoFlood());

        Assert.Equal(200, records.Count);
        Assert.All(records, r => Assert.Equal(("icmp", "eco_i", "SF", 1032L, 0L, 0.0), (r.ProtocolType, r.Service, r.Flag, r.SrcBytes, r.DstBytes, r.Duration)));
        Assert.All(records, r => Assert.Null(r.SrcPort));
        var last = records[^1];
        Assert.Equal((200, 200, 1.0, 0.0), (last.Count, last.SrvCount, last.SameSrvRate, last.DiffSrvRate));
        Assert.Equal((100, 100, 1.0, 1.0), (last.DstHostCount, last.DstHostSrvCount, last.DstHostSameSrvRate, last.DstHostSameSrcPortRate));
    }
}
