using System.Buffers.Binary;
using PacketDotNet;

namespace Siem.Capture;

/// <summary>
/// Frames to whole IP datagrams: PacketDotNet takes off the link layer (Ethernet, VLAN, SLL, loopback,
/// raw IP) and finds the IPv4 or IPv6 header; IPv4 fragments go through the <see cref="FragmentReassembler"/>.
/// Frames that carry no IP (ARP, ...) or that cannot be decoded are counted and skipped.
/// </summary>
internal sealed class IpDecoder
{
    private const int MoreFragmentsFlag = 0x1;

    private readonly FragmentReassembler _fragments = new();

    private const int IcmpProtocol = 1;
    private const int TcpProtocol = 6;
    private const int UdpProtocol = 17;
    private const int Icmpv6Protocol = 58;

    /// <summary>Frames that carry no IP at all (ARP, LLDP, ...).</summary>
    public long NotIp { get; private set; }

    /// <summary>IPv6 packets behind extension headers (fragments, routing, hop-by-hop), not decoded.</summary>
    public long Ipv6ExtensionHeaders { get; private set; }

    public long Malformed { get; private set; }

    public long AbandonedFragments => _fragments.Abandoned;

    public IpDatagram? Decode(in CapturedFrame frame)
    {
        IPPacket? ip;
        try
        {
            ip = Packet.ParsePacket(frame.LinkType, frame.Data).Extract<IPPacket>();
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or NotImplementedException)
        {
            Malformed++;
            return null;
        }

        switch (ip)
        {
            case IPv4Packet v4:
                return DecodeV4(frame, v4);
            case IPv6Packet v6:
                return DecodeV6(frame, v6);
            default:
                NotIp++;
                return null;
        }
    }

    private IpDatagram? DecodeV4(in CapturedFrame frame, IPv4Packet ip)
    {
        if (ip.HeaderLength < 5 || ip.TotalLength < ip.HeaderLength * 4)
        {
            Malformed++;
            return null;
        }

        var source = FromIpv4(ip.SourceAddress.GetAddressBytes());
        var destination = FromIpv4(ip.DestinationAddress.GetAddressBytes());
        var protocol = (int)ip.Protocol;
        // The bytes after the IP header up to the IP total length (not past it into link padding); taken
        // raw rather than from PacketDotNet's transport packet, which it also builds for non-first fragments.
        var whole = ip.Bytes;
        var headerBytes = ip.HeaderLength * 4;
        var transport = whole.AsSpan(headerBytes, Math.Max(0, Math.Min(ip.TotalLength, whole.Length) - headerBytes)).ToArray();
        var offset = ip.FragmentOffset * 8;
        var more = (ip.FragmentFlags & MoreFragmentsFlag) != 0;
        if (offset == 0 && !more)
        {
            return new IpDatagram(frame.Time, source, destination, protocol, transport, 0);
        }

        return _fragments.Add(frame.Time, source, destination, ip.Id, protocol, offset, more, transport);
    }

    /// <summary>
    /// IPv6 whose next header is TCP, UDP or ICMPv6 (the connections KDD describes); ICMPv6 messages are
    /// given their ICMPv4 equivalents (echo, unreachable) so the KDD ICMP services apply. Extension
    /// headers (fragments, routing, ...) are counted as not decoded.
    /// </summary>
    private IpDatagram? DecodeV6(in CapturedFrame frame, IPv6Packet ip)
    {
        const int fixedHeader = 40;
        var whole = ip.Bytes;
        if (whole.Length < fixedHeader)
        {
            Malformed++;
            return null;
        }

        var nextHeader = whole[6];
        if (nextHeader is not (TcpProtocol or UdpProtocol or Icmpv6Protocol))
        {
            Ipv6ExtensionHeaders++;
            return null;
        }

        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(whole.AsSpan(4));
        var transport = whole.AsSpan(fixedHeader, Math.Min(payloadLength, whole.Length - fixedHeader)).ToArray();
        var source = BinaryPrimitives.ReadUInt128BigEndian(whole.AsSpan(8, 16));
        var destination = BinaryPrimitives.ReadUInt128BigEndian(whole.AsSpan(24, 16));
        if (nextHeader == Icmpv6Protocol)
        {
            if (transport.Length < 4)
            {
                Malformed++;
                return null;
            }

            (transport[0], transport[1]) = transport[0] switch
            {
                128 => ((byte)8, (byte)0),                                  // echo request
                129 => ((byte)0, (byte)0),                                  // echo reply
                1 => ((byte)3, transport[1] == 4 ? (byte)3 : (byte)1),      // unreachable: port, else host
                _ => ((byte)255, transport[1]),                             // anything else: "other"
            };
            return new IpDatagram(frame.Time, source, destination, IcmpProtocol, transport, 0);
        }

        return new IpDatagram(frame.Time, source, destination, nextHeader, transport, 0);
    }

    public IEnumerable<IpDatagram> ExpireFragments(double now, bool all = false) => _fragments.Expire(now, all);

    /// <summary>An IPv4 address as IPv4-mapped IPv6 (::ffff:a.b.c.d), so both versions share one key type.</summary>
    private static UInt128 FromIpv4(byte[] address) =>
        new UInt128(0, 0xFFFF_0000_0000UL | (uint)(address[0] << 24 | address[1] << 16 | address[2] << 8 | address[3]));
}
