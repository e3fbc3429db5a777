using System.Buffers.Binary;
using System.IO.Compression;

namespace Siem.TestSupport;

/// <summary>Hostile inputs built in the test: decompression bombs and captures that yield no connections.</summary>
public static class HostileFiles
{
    /// <summary>A little-endian microsecond pcap header for Ethernet.</summary>
    public static byte[] PcapHeader()
    {
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1);
        return header;
    }

    /// <summary>
    /// The pcap header followed by <paramref name="zeroMebibytes"/> MiB of zeros, gzip'd: what
    /// <c>(printf header; head -c 2G /dev/zero) | gzip</c> gives. Written as concatenated gzip members (one
    /// compressed MiB repeated), which every gzip reader unpacks as one stream, so a 2 GiB bomb costs
    /// milliseconds to build instead of seconds of compression.
    /// </summary>
    public static void WriteGzipCaptureBomb(string path, int zeroMebibytes)
    {
        using var file = File.Create(path);
        file.Write(Gzip(PcapHeader()));
        var zeros = Gzip(new byte[1 << 20]);
        for (var i = 0; i < zeroMebibytes; i++)
        {
            file.Write(zeros);
        }
    }

    /// <summary>
    /// A gzip'd KDD CSV: <paramref name="line"/> repeated to <paramref name="mebibytes"/> MiB (concatenated gzip
    /// members of one MiB each, as above). Identical lines compress about 300:1.
    /// </summary>
    public static byte[] GzipCsvBomb(string line, int mebibytes)
    {
        var text = System.Text.Encoding.ASCII.GetBytes(line + "\n");
        var mebibyte = new byte[1 << 20];
        for (var offset = 0; offset + text.Length <= mebibyte.Length; offset += text.Length)
        {
            text.CopyTo(mebibyte, offset);
        }

        var whole = mebibyte.AsSpan(0, mebibyte.Length / text.Length * text.Length).ToArray();
        var member = Gzip(whole);
        using var buffer = new MemoryStream();
        for (var i = 0; i < mebibytes; i++)
        {
            buffer.Write(member);
        }

        return buffer.ToArray();
    }

    /// <summary>A plain pcap of <paramref name="frames"/> empty records: read frame by frame, it gives no connection.</summary>
    public static void WriteEmptyFramesCapture(string path, int frames)
    {
        using var file = File.Create(path);
        file.Write(PcapHeader());
        file.Write(new byte[16L * frames]);
    }

    public static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }
}
