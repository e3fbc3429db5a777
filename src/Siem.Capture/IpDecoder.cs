using PacketDotNet;

namespace Siem.Capture;

/// <summary>
/// Frames to whole IPv4 datagrams: PacketDotNet takes off the link layer (Ethernet, VLAN, SLL, loopback,
/// raw IP) and reads the IP header; fragments go through the <see cref="FragmentReassembler"/>.
/// Frames that carry no IPv4 (ARP, IPv6, ...) or that cannot be decoded are counted and skipped.
/// </summary>
internal sealed class IpDecoder
{
    private const int MoreFragmentsFlag = 0x1;

    private readonly FragmentReassembler _fragments = new();

    public long NotIpv4 { get; private set; }

    public long Malformed { get; private set; }

    public long AbandonedFragments => _fragments.Abandoned;

    public IpDatagram? Decode(in CapturedFrame frame)
    {
        IPv4Packet? ip;
        try
        {
            ip = Packet.ParsePacket(frame.LinkType, frame.Data).Extract<IPv4Packet>();
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or NotImplementedException)
        {
            Malformed++;
            return null;
        }

        if (ip is null)
        {
            NotIpv4++;
            return null;
        }

        if (ip.Version != IPVersion.IPv4 || ip.HeaderLength < 5 || ip.TotalLength < ip.HeaderLength * 4)
        {
            Malformed++;
            return null;
        }

        var source = ToNumber(ip.SourceAddress.GetAddressBytes());
        var destination = ToNumber(ip.DestinationAddress.GetAddressBytes());
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

    public IEnumerable<IpDatagram> ExpireFragments(double now, bool all = false) => _fragments.Expire(now, all);

    private static uint ToNumber(byte[] address) => (uint)(address[0] << 24 | address[1] << 16 | address[2] << 8 | address[3]);
}
