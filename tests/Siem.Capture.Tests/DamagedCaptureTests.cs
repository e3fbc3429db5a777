using System.Buffers.Binary;
using Siem.TestSupport;

namespace Siem.Capture.Tests;

/// <summary>Bad captures: a clear error, and every connection before the damage still extracted.</summary>
public sealed class DamagedCaptureTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    [Fact]
    public void A_truncated_capture_keeps_the_connections_before_the_cut_and_says_where_it_broke()
    {
        var path = _folder.File("cut.pcap");
        var capture = CaptureScenarios.NormalHttp().Tcp(CaptureScenarios.Start + 5, "10.0.0.1", 1234, "10.0.0.2", 80, Tcp.Syn);
        capture.WritePcap(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^20]); // the last frame loses its end
        var summary = new CaptureSummary();

        var records = CaptureExtractor.Extract(path, summary).ToList();

        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal(("http", "SF"), (r.Service, r.Flag)));
        Assert.NotNull(summary.Damage);
        Assert.Contains("damaged after frame 24", summary.Damage);
        Assert.Contains("truncated", summary.Damage, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Garbage_is_refused_as_not_a_capture()
    {
        var path = _folder.File("notes.pcap");
        File.WriteAllText(path, "0,tcp,http,SF,181,5450,0,0,0\n");

        var error = Assert.Throws<CaptureFormatException>(() => CaptureExtractor.Extract(path));

        Assert.Contains("Not a packet capture", error.Message);
    }

    [Fact]
    public void A_pcap_header_cut_short_is_refused_with_the_reason()
    {
        var path = _folder.File("short.pcap");
        File.WriteAllBytes(path, [0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00]);

        var error = Assert.Throws<CaptureFormatException>(() => CaptureExtractor.Extract(path));

        Assert.Contains("pcap header cannot be read", error.Message);
    }

    [Fact]
    public void An_unsupported_link_type_is_refused_by_name()
    {
        var path = _folder.File("usb.pcap");
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 189); // USB Linux with mmapped header
        File.WriteAllBytes(path, header);

        var error = Assert.Throws<CaptureFormatException>(() => CaptureExtractor.Extract(path));

        Assert.Contains("Unsupported link type", error.Message);
        Assert.Contains("(189)", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xd4, 0xc3, 0xb2, 0xa1 }, CaptureFormat.Pcap)]
    [InlineData(new byte[] { 0xa1, 0xb2, 0xc3, 0xd4 }, CaptureFormat.Pcap)]
    [InlineData(new byte[] { 0x4d, 0x3c, 0xb2, 0xa1 }, CaptureFormat.Pcap)]
    [InlineData(new byte[] { 0x0a, 0x0d, 0x0d, 0x0a }, CaptureFormat.PcapNg)]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08, 0x00 }, CaptureFormat.None)]
    [InlineData(new byte[] { 0x30, 0x2c }, CaptureFormat.None)]
    public void Formats_are_told_apart_by_magic_bytes(byte[] head, CaptureFormat expected) =>
        Assert.Equal(expected, CaptureFiles.Detect(head));

    public void Dispose() => _folder.Dispose();
}
