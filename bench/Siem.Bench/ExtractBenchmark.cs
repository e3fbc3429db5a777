using System.Diagnostics;
using Siem.Capture;
using Siem.TestSupport;

namespace Siem.Bench;

/// <summary>
/// <c>extract [packets]</c>: generates a capture of about a million packets (web sessions, DNS, pings,
/// a SYN flood and a port sweep mixed over ten minutes), then times extraction into KDD records.
/// </summary>
internal static class ExtractBenchmark
{
    public static int Run(string? packetsArgument)
    {
        var target = packetsArgument is null ? 1_000_000 : int.Parse(packetsArgument, System.Globalization.CultureInfo.InvariantCulture);
        using var folder = new TempDirectory();
        var path = folder.File("bench.pcap");
        var generation = Stopwatch.StartNew();
        var capture = Generate(target);
        capture.WritePcap(path);
        Console.WriteLine($"generated {capture.Count:N0} packets ({new FileInfo(path).Length / 1e6:F0} MB) in {generation.Elapsed.TotalSeconds:F1} s");

        for (var round = 1; round <= 3; round++)
        {
            var summary = new CaptureSummary();
            var clock = Stopwatch.StartNew();
            long records = 0;
            foreach (var _ in CaptureExtractor.Extract(path, summary))
            {
                records++;
            }

            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"round {round}: {summary.Frames:N0} packets -> {records:N0} connections in {seconds:F2} s: " +
                              $"{summary.Frames / seconds:N0} packets/s, {records / seconds:N0} connections/s");
        }

        return 0;
    }

    private static CaptureBuilder Generate(int target)
    {
        var capture = new CaptureBuilder();
        var random = new Random(7);
        const double start = 1_763_000_000;
        var time = start;
        var n = 0;
        while (capture.Count < target)
        {
            time += 0.0006;
            var client = $"192.168.{random.Next(1, 4)}.{random.Next(2, 250)}";
            switch (n++ % 10)
            {
                case < 5:
                    capture.HttpSession(time, client, 1024 + n % 60000, $"10.0.1.{random.Next(1, 20)}", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + new string('x', 64));
                    break;
                case 5:
                    capture.Udp(time, client, 1024 + n % 60000, "10.0.0.53", 53, 40).Udp(time + 0.001, "10.0.0.53", 53, client, 1024 + n % 60000, 120);
                    break;
                case 6:
                    capture.Icmp(time, client, "10.0.1.1", 8, 0, 56).Icmp(time + 0.001, "10.0.1.1", client, 0, 0, 56);
                    break;
                case 7 or 8:
                    capture.Tcp(time, "10.9.9.9", 1024 + n % 60000, "10.0.1.80", 80, Tcp.Syn); // a SYN flood running through
                    break;
                default:
                    var port = 1 + n % 1024; // and a port sweep
                    capture.Tcp(time, "10.9.9.8", 40000, "10.0.1.81", port, Tcp.Syn).Tcp(time + 0.0005, "10.0.1.81", port, "10.9.9.8", 40000, Tcp.RstAck);
                    break;
            }
        }

        return capture;
    }
}
