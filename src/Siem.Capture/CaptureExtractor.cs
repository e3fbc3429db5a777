using System.Net;
using Siem.Capture.Flows;
using Siem.Domain.Input;
using Siem.Domain.Records;

namespace Siem.Capture;

/// <summary>What an extraction saw besides its connections.</summary>
public sealed class CaptureSummary
{
    public CaptureFormat Format { get; internal set; }
    public string LinkType { get; internal set; } = "";
    public long Frames { get; internal set; }
    public long Connections { get; internal set; }
    public long NotIp { get; internal set; }
    public long Ipv6ExtensionHeaders { get; internal set; }
    public long Malformed { get; internal set; }
    public long AbandonedFragments { get; internal set; }

    /// <summary>Bytes of the file read so far, for progress.</summary>
    public long BytesRead { get; internal set; }

    /// <summary>Why the capture ended early (truncated, corrupt); every connection before that point was still extracted.</summary>
    public string? Damage { get; internal set; }
}

/// <summary>
/// Turns a pcap or pcapng capture into KDD Cup 99 connection records, streaming: frames -> IPv4 and IPv6
/// datagrams (IPv4 fragments reassembled) -> connections -> the 41 features, with the connection's start
/// time and endpoints as metadata. Records come out in connection start order.
/// </summary>
public static class CaptureExtractor
{
    /// <summary>
    /// Extracts the records of <paramref name="path"/>; throws <see cref="CaptureFormatException"/> when it is not a
    /// readable capture (or a gzip'd one unpacks past <paramref name="limit"/>). <paramref name="cancellation"/> is
    /// checked while unpacking and every few thousand frames, so it stops a capture that yields no connections too.
    /// </summary>
    public static IEnumerable<ConnectionRecord> Extract(
        string path, CaptureSummary? summary = null, DecompressionLimit? limit = null, CancellationToken cancellation = default)
    {
        // Open eagerly so that a bad file fails at the call, not at the first MoveNext.
        var reader = new CaptureReader(path, limit, cancellation);
        return Run(reader, summary ?? new CaptureSummary());
    }

    private static IEnumerable<ConnectionRecord> Run(CaptureReader reader, CaptureSummary summary)
    {
        using var _ = reader;
        summary.Format = reader.Format;
        summary.LinkType = reader.LinkType.ToString();
        var decoder = new IpDecoder();
        var tracker = new ConnectionTracker();
        var describer = new FlowDescriber();
        var lastSweep = double.NegativeInfinity;
        foreach (var frame in reader.Frames())
        {
            summary.Frames = frame.Number;
            summary.BytesRead = reader.BytesRead;
            if (decoder.Decode(frame) is { } datagram)
            {
                tracker.Add(datagram);
            }

            // Timeouts are checked once per second of capture time: cheap, and exact enough for 10-300 s timeouts.
            if (frame.Time - lastSweep >= 1 || frame.Time < lastSweep)
            {
                lastSweep = frame.Time;
                foreach (var expired in decoder.ExpireFragments(frame.Time))
                {
                    tracker.Add(expired);
                }

                tracker.Expire(frame.Time);
            }

            foreach (var record in Describe(tracker, describer, summary))
            {
                yield return record;
            }

            summary.NotIp = decoder.NotIp;
            summary.Malformed = decoder.Malformed;
        }

        // End of capture (or damage): every connection still open ends here.
        foreach (var expired in decoder.ExpireFragments(double.PositiveInfinity, all: true))
        {
            tracker.Add(expired);
        }

        tracker.Expire(double.PositiveInfinity, all: true);
        foreach (var record in Describe(tracker, describer, summary))
        {
            yield return record;
        }

        summary.NotIp = decoder.NotIp;
        summary.Ipv6ExtensionHeaders = decoder.Ipv6ExtensionHeaders;
        summary.Malformed = decoder.Malformed;
        summary.AbandonedFragments = decoder.AbandonedFragments;
        summary.BytesRead = reader.BytesRead;
        summary.Damage = reader.Damage;
    }

    private static IEnumerable<ConnectionRecord> Describe(ConnectionTracker tracker, FlowDescriber describer, CaptureSummary summary)
    {
        foreach (var connection in tracker.TakeFinished())
        {
            summary.Connections++;
            yield return ToRecord(connection, describer);
        }
    }

    private static ConnectionRecord ToRecord(Connection c, FlowDescriber describer) => describer.Describe(new FlowSummary
    {
        Protocol = (int)c.Transport,
        SrcIp = ToAddress(c.Originator),
        DstIp = ToAddress(c.Responder),
        SrcPort = c.OriginatorPort,
        DstPort = c.ResponderPort,
        HasFlowPorts = c.Transport != Transport.Icmp,
        Start = c.Start,
        Duration = c.Last - c.Start,
        SrcBytes = c.SrcBytes,
        DstBytes = c.DstBytes,
        Flag = c.Flag,
        Service = c.Service,
        WrongFragment = c.WrongFragments,
        Urgent = c.Urgent,
        Content = c.Content?.Read() ?? ContentFeatures.None,
    })!;

    private static IPAddress ToAddress(UInt128 address)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        var ip = new IPAddress(bytes);
        return ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
    }
}
