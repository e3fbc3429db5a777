using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Siem.Capture;

/// <summary>One captured frame: when, on what kind of link, and its bytes.</summary>
internal readonly record struct CapturedFrame(long Number, double Time, LinkLayers LinkType, byte[] Data);

/// <summary>
/// Reads pcap and pcapng files with libpcap (through SharpPcap). Damage part-way through (a truncated
/// file, a corrupt record) ends the frames and is reported in <see cref="Damage"/>, so that everything
/// before it is still used.
/// </summary>
internal sealed class CaptureReader : IDisposable
{
    // What PacketDotNet decodes to IP for us; anything else would give no connections at all.
    private static readonly LinkLayers[] SupportedLinks =
        [LinkLayers.Ethernet, LinkLayers.Null, LinkLayers.Loop, LinkLayers.Raw, LinkLayers.RawLegacy, LinkLayers.LinuxSll, LinkLayers.LinuxSll2, LinkLayers.Ieee80211];

    private readonly CaptureFileReaderDevice _device;
    private readonly string? _unzipped;

    public CaptureReader(string path)
    {
        var format = CaptureFiles.Detect(path);
        if (format == CaptureFormat.None)
        {
            throw new CaptureFormatException("Not a packet capture: the file starts with neither the pcap nor the pcapng magic number.");
        }

        // libpcap reads plain files only: a gzip'd capture is unpacked to a temporary file first.
        if (CaptureFiles.IsGzip(path))
        {
            _unzipped = Unzip(path);
            path = _unzipped;
        }

        _device = new CaptureFileReaderDevice(path);
        try
        {
            _device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
        }
        catch (PcapException e)
        {
            Dispose();
            throw new CaptureFormatException($"The {Describe(format)} header cannot be read: {Clean(e.Message)}");
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            Dispose();
            throw new CaptureFormatException("Reading packet captures needs libpcap, which is not installed on this server (Debian/Ubuntu: apt-get install libpcap0.8).");
        }

        LinkType = _device.LinkType;
        if (Array.IndexOf(SupportedLinks, LinkType) < 0)
        {
            Dispose();
            throw new CaptureFormatException(
                $"Unsupported link type {LinkType} ({(int)LinkType}): captures must be Ethernet, Linux cooked (SLL), BSD loopback or raw IP.");
        }

        Format = format;
    }

    public CaptureFormat Format { get; }

    public LinkLayers LinkType { get; }

    /// <summary>Bytes of the file consumed so far (record headers included), for progress.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Why reading stopped early, or null when the file ended cleanly.</summary>
    public string? Damage { get; private set; }

    public IEnumerable<CapturedFrame> Frames()
    {
        long number = 0;
        while (true)
        {
            var status = _device.GetNextPacket(out var capture);
            if (status == GetPacketStatus.NoRemainingPackets)
            {
                yield break;
            }

            if (status != GetPacketStatus.PacketRead)
            {
                Damage = $"The capture is damaged after frame {number:N0}: {Clean(_device.LastError)}";
                yield break;
            }

            number++;
            var header = capture.Header;
            var data = capture.Data.ToArray();
            BytesRead += data.Length + 16;
            yield return new CapturedFrame(number, (double)header.Timeval.Value, LinkType, data);
        }
    }

    public void Dispose()
    {
        _device.Dispose();
        if (_unzipped is not null)
        {
            File.Delete(_unzipped);
        }
    }

    private static string Unzip(string path)
    {
        var target = Path.Combine(Path.GetTempPath(), $"siem-capture-{Guid.NewGuid():N}.pcap");
        try
        {
            using var source = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
            using var output = File.Create(target);
            source.CopyTo(output);
        }
        catch (InvalidDataException)
        {
            // A gzip cut short: keep what was unpacked, libpcap reports where the capture ends.
        }

        return target;
    }

    private static string Describe(CaptureFormat format) => format == CaptureFormat.PcapNg ? "pcapng" : "pcap";

    private static string Clean(string? message) =>
        string.IsNullOrWhiteSpace(message) ? "unknown error" : message.Replace("Unable to open offline adapter: ", "", StringComparison.Ordinal).Trim();
}
