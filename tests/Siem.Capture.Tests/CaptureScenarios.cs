using Siem.Capture;
using Siem.Domain.Records;
using Siem.TestSupport;

namespace Siem.Capture.Tests;

/// <summary>Captures built in code, extracted through a real file and libpcap.</summary>
internal static class CaptureScenarios
{
    public const double Start = 1_700_000_000; // 2023-11-14T22:13:20Z

    public static List<ConnectionRecord> Extract(CaptureBuilder capture, bool pcapNg = false, CaptureSummary? summary = null)
    {
        using var folder = new TempDirectory();
        var path = folder.File(pcapNg ? "capture.pcapng" : "capture.pcap");
        if (pcapNg)
        {
            capture.WritePcapNg(path);
        }
        else
        {
            capture.WritePcap(path);
        }

        return [.. CaptureExtractor.Extract(path, summary)];
    }

    public const string HttpRequest = "GET /index.html HTTP/1.1\r\nHost: intranet\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n";

    public static string HttpResponse(int bodyLength) =>
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " + bodyLength + "\r\n\r\n" + new string('x', bodyLength);

    /// <summary>Three HTTP sessions from one client to one server, 0.5 s apart.</summary>
    public static CaptureBuilder NormalHttp()
    {
        var capture = new CaptureBuilder();
        for (var i = 0; i < 3; i++)
        {
            capture.HttpSession(Start + 0.5 * i, "192.168.1.10", 50000 + i, "192.168.1.20", HttpRequest, HttpResponse(400));
        }

        return capture;
    }

    /// <summary>300 SYNs from 300 source ports to one web server within 1.5 s, never answered.</summary>
    public static CaptureBuilder SynFlood()
    {
        var capture = new CaptureBuilder();
        for (var i = 0; i < 300; i++)
        {
            capture.Tcp(Start + 0.005 * i, "10.0.0.66", 1024 + i, "10.0.0.1", 80, Tcp.Syn);
        }

        return capture;
    }

    /// <summary>Ports with 20 different KDD services, each probed once and refused with RST-ACK, 50 ms apart.</summary>
    public static readonly int[] SweptPorts = [7, 9, 11, 13, 15, 20, 21, 22, 23, 25, 37, 42, 43, 53, 57, 70, 79, 80, 110, 143];

    public static CaptureBuilder PortSweep()
    {
        var capture = new CaptureBuilder();
        for (var i = 0; i < SweptPorts.Length; i++)
        {
            var at = Start + 0.05 * i;
            capture.Tcp(at, "10.0.0.77", 40000, "10.0.0.2", SweptPorts[i], Tcp.Syn)
                .Tcp(at + 0.001, "10.0.0.2", SweptPorts[i], "10.0.0.77", 40000, Tcp.RstAck);
        }

        return capture;
    }

    /// <summary>200 echo requests of 1,032 bytes (8 header + 1,024 data), 5 ms apart, to one host.</summary>
    public static CaptureBuilder IcmpEchoFlood()
    {
        var capture = new CaptureBuilder();
        for (var i = 0; i < 200; i++)
        {
            capture.Icmp(Start + 0.005 * i, "10.0.0.99", "10.0.0.3", type: 8, code: 0, dataLength: 1024);
        }

        return capture;
    }
}
