namespace Siem.Capture;

public enum CaptureFormat
{
    None,
    Pcap,
    PcapNg,
}

/// <summary>The capture cannot be read at all (not a capture, unsupported link type, unreadable header, no libpcap).</summary>
public sealed class CaptureFormatException(string message) : Exception(message);

/// <summary>Recognises packet captures by their magic bytes, never by the file name.</summary>
public static class CaptureFiles
{
    private static readonly uint[] PcapMagics =
    [
        0xa1b2c3d4, // microseconds, big-endian writer
        0xd4c3b2a1, // microseconds, little-endian writer
        0xa1b23c4d, // nanoseconds
        0x4d3cb2a1,
    ];

    private const uint PcapNgSectionHeader = 0x0a0d0d0a;

    public static CaptureFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length < 4)
        {
            return CaptureFormat.None;
        }

        var magic = (uint)(head[0] << 24 | head[1] << 16 | head[2] << 8 | head[3]);
        return magic == PcapNgSectionHeader ? CaptureFormat.PcapNg
            : Array.IndexOf(PcapMagics, magic) >= 0 ? CaptureFormat.Pcap
            : CaptureFormat.None;
    }

    /// <summary>The format of the file, looking inside gzip (a .pcap.gz is still a pcap).</summary>
    public static CaptureFormat Detect(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (!IsGzip(head[..read]))
        {
            return Detect(head[..read]);
        }

        file.Position = 0;
        using var unzipped = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        try
        {
            read = unzipped.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException)
        {
            return CaptureFormat.None;
        }

        return Detect(head[..read]);
    }

    public static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    public static bool IsGzip(string path)
    {
        Span<byte> head = stackalloc byte[2];
        using var file = File.OpenRead(path);
        return IsGzip(head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]);
    }
}
