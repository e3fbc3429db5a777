using Siem.Domain.Input;
using Siem.TestSupport;

namespace Siem.Capture.Tests;

/// <summary>Captures built to exhaust the server: bounded unpacking, and cancellation that stops even a capture with no connections.</summary>
public sealed class HostileCaptureTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    [Fact]
    public void A_2_GiB_gzip_bomb_is_refused_as_a_decompression_bomb()
    {
        var path = _folder.File("bomb.pcap.gz");
        HostileFiles.WriteGzipCaptureBomb(path, zeroMebibytes: 2048);
        var compressed = new FileInfo(path).Length;

        var error = Assert.Throws<CaptureFormatException>(() => CaptureExtractor.Extract(path));

        Assert.Contains("decompression bomb", error.Message);
        Assert.True(compressed < 4 << 20, $"{compressed} bytes compressed");
    }

    [Fact]
    public void The_limit_is_the_smaller_of_the_ratio_and_the_absolute_cap_but_never_below_the_floor()
    {
        var limit = new DecompressionLimit(MaxUnpackedBytes: 1000, MaxCompressionRatio: 10, AlwaysAllowedBytes: 50);

        Assert.Equal(50, limit.AllowedFor(2));
        Assert.Equal(300, limit.AllowedFor(30));
        Assert.Equal(1000, limit.AllowedFor(500));
        Assert.Equal(DecompressionLimit.DefaultMaxUnpackedBytes, DecompressionLimit.Default.AllowedFor(long.MaxValue / 2));
    }

    [Fact]
    public void A_gzip_capture_within_its_limit_is_extracted_and_one_past_it_is_refused()
    {
        var plain = _folder.File("web.pcap");
        CaptureScenarios.NormalHttp().WritePcap(plain);
        var zipped = _folder.File("web.pcap.gz");
        File.WriteAllBytes(zipped, HostileFiles.Gzip(File.ReadAllBytes(plain)));
        var unpacked = new FileInfo(plain).Length;

        var records = CaptureExtractor.Extract(zipped, limit: new DecompressionLimit(unpacked, 1000, AlwaysAllowedBytes: 0)).ToList();
        var error = Assert.Throws<CaptureFormatException>(() => CaptureExtractor.Extract(zipped, limit: new DecompressionLimit(unpacked - 1, 1000, AlwaysAllowedBytes: 0)));

        Assert.Equal(3, records.Count);
        Assert.Contains("decompression bomb", error.Message);
    }

    [Fact]
    public void Cancellation_stops_a_capture_of_empty_frames_that_never_yields_a_connection()
    {
        var path = _folder.File("empty-frames.pcap");
        HostileFiles.WriteEmptyFramesCapture(path, frames: 100_000);
        using var cancellation = new CancellationTokenSource();
        var summary = new CaptureSummary();
        var records = CaptureExtractor.Extract(path, summary, cancellation: cancellation.Token);
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => records.ToList());
        Assert.True(summary.Frames < 100_000, $"read {summary.Frames} frames after cancelling");
    }

    [Fact]
    public void Cancellation_stops_the_unpacking_of_a_gzip_capture()
    {
        var path = _folder.File("bomb.pcap.gz");
        HostileFiles.WriteGzipCaptureBomb(path, zeroMebibytes: 64);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => CaptureExtractor.Extract(path, cancellation: cancellation.Token));
    }

    public void Dispose() => _folder.Dispose();
}
