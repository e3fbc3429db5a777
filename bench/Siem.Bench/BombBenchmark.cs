using System.Diagnostics;
using Siem.Capture;
using Siem.TestSupport;

namespace Siem.Bench;

/// <summary>
/// `bomb`: a gzip'd capture of a pcap header and 2 GiB of zeros (~2 MB compressed), as the hardening review
/// uploaded it: how long until it is refused, and how much memory that takes (process peak RSS).
/// </summary>
internal static class BombBenchmark
{
    public static int Run()
    {
        using var folder = new TempDirectory();
        var path = folder.File("bomb.pcap.gz");
        HostileFiles.WriteGzipCaptureBomb(path, zeroMebibytes: 2048);
        var times = new List<double>();
        string? reason = null;
        for (var round = 0; round < 3; round++)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                _ = CaptureExtractor.Extract(path).Count();
            }
            catch (CaptureFormatException e)
            {
                reason = e.Message;
            }

            times.Add(clock.Elapsed.TotalSeconds);
        }

        times.Sort();
        using var self = Process.GetCurrentProcess();
        Console.WriteLine($"2 GiB capture bomb ({new FileInfo(path).Length / 1024.0 / 1024:F1} MiB gzip'd): refused in {times[1]:F2}s (median of 3), peak RSS {self.PeakWorkingSet64 / 1024 / 1024} MiB");
        Console.WriteLine($"reason: {reason}");
        return reason is null ? 1 : 0;
    }
}
