using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;
using Siem.Domain.Input;

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

    // Cancellation is checked every this many frames: a capture of empty or non-IP frames yields no
    // connections, so checking only between records would never stop it.
    private const int FramesPerCancellationCheck = 4096;

    private readonly CaptureFileReaderDevice _device;
    private readonly string? _unzipped;
    private readonly CancellationToken _cancellation;

    public CaptureReader(string path, DecompressionLimit? limit = null, CancellationToken cancellation = default)
    {
        _cancellation = cancellation;
        var format = CaptureFiles.Detect(path);
        if (format == CaptureFormat.None)
        {
            throw new CaptureFormatException("Not a packet capture: the file starts with neither the pcap nor the pcapng magic number.");
        }

        // libpcap reads plain files only: a gzip'd capture is unpacked to a temporary file first.
        if (CaptureFiles.IsGzip(path))
        {
            _unzipped = Path.Combine(Path.GetTempPath(), $"siem-capture-{Guid.NewGuid():N}.pcap");
            try
            {
                Unzip(path, _unzipped, limit ?? DecompressionLimit.Default, cancellation);
            }
            catch
            {
                File.Delete(_unzipped);
                throw;
            }

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

    /// <summary>The temporary plain copy of a gzip'd capture (deleted on dispose); null for a plain file.</summary>
    internal string? UnpackedCopy => _unzipped;

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
            if (number % FramesPerCancellationCheck == 0)
            {
                _cancellation.ThrowIfCancellationRequested();
            }

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

    /// <summary>Unpacks <paramref name="path"/> into <paramref name="target"/>, refusing it once it passes <paramref name="limit"/>.</summary>
    private static void Unzip(string path, string target, DecompressionLimit limit, CancellationToken cancellation)
    {
        using var compressed = File.OpenRead(path);
        var allowed = limit.AllowedFor(compressed.Length);
        using var source = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionMode.Decompress);
        using var output = File.Create(target);
        var buffer = new byte[1 << 16];
        long written = 0;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            int read;
            try
            {
                read = source.Read(buffer);
            }
            catch (InvalidDataException)
            {
                return; // a gzip cut short: keep what was unpacked, libpcap reports where the capture ends
            }

            if (read == 0)
            {
                return;
            }

            written += read;
            if (written > allowed)
            {
                throw new CaptureFormatException(limit.Exceeded("capture", compressed.Length).Message);
            }

            output.Write(buffer, 0, read);
        }
    }

    private static string Describe(CaptureFormat format) => format == CaptureFormat.PcapNg ? "pcapng" : "pcap";

    private static string Clean(string? message) =>
        string.IsNullOrWhiteSpace(message) ? "unknown error" : message.Replace("Unable to open offline adapter: ", "", StringComparison.Ordinal).Trim();
}
