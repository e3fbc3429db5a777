using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Siem.TestSupport;

[Flags]
public enum Tcp
{
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
    Urg = 0x20,
    SynAck = Syn | Ack,
    RstAck = Rst | Ack,
    FinAck = Fin | Ack,
    PshAck = Psh | Ack,
}

/// <summary>
/// Builds packet captures in test code: frames made with PacketDotNet (Ethernet, IPv4, TCP), written as
/// pcap by libpcap (through SharpPcap) or as pcapng by a small writer of our own (libpcap cannot write pcapng).
/// Times are seconds since the epoch.
/// </summary>
public sealed class CaptureBuilder
{
    private static readonly PhysicalAddress ClientMac = PhysicalAddress.Parse("02-00-00-00-00-01");
    private static readonly PhysicalAddress ServerMac = PhysicalAddress.Parse("02-00-00-00-00-02");

    private readonly List<(double Time, byte[] Frame)> _frames = [];

    public int Count => _frames.Count;

    public CaptureBuilder Tcp(double time, string source, int sourcePort, string destination, int destinationPort, Tcp flags, string payload = "")
    {
        var tcp = new TcpPacket((ushort)sourcePort, (ushort)destinationPort)
        {
            Flags = (ushort)flags,
            WindowSize = 64240,
            SequenceNumber = 1000,
            AcknowledgmentNumber = flags.HasFlag(TestSupport.Tcp.Ack) ? 1u : 0u,
            PayloadData = System.Text.Encoding.ASCII.GetBytes(payload),
        };
        return Ip(time, source, destination, ProtocolType.Tcp, tcp);
    }

    public CaptureBuilder Udp(double time, string source, int sourcePort, string destination, int destinationPort, int payloadLength)
    {
        var udp = new UdpPacket((ushort)sourcePort, (ushort)destinationPort) { PayloadData = new byte[payloadLength] };
        return Ip(time, source, destination, ProtocolType.Udp, udp);
    }

    /// <summary>An ICMP message of 8 header bytes plus <paramref name="dataLength"/> bytes (ICMPv6 between IPv6 addresses: give its types).</summary>
    public CaptureBuilder Icmp(double time, string source, string destination, int type, int code, int dataLength) =>
        IpPayload(time, source, destination, ProtocolType.Icmp, IcmpBytes(type, code, dataLength), id: 1, offsetBytes: 0, moreFragments: false);

    /// <summary>One IPv4 fragment carrying <paramref name="data"/> at <paramref name="offsetBytes"/> of the datagram.</summary>
    public CaptureBuilder Fragment(double time, string source, string destination, ProtocolType protocol, ushort id, int offsetBytes, bool moreFragments, byte[] data) =>
        IpPayload(time, source, destination, protocol, data, id, offsetBytes, moreFragments);

    /// <summary>A complete, well-behaved HTTP exchange: handshake, request, response, both FINs, last ACK.</summary>
    public CaptureBuilder HttpSession(double start, string client, int clientPort, string server, string request, string response, int serverPort = 80) =>
        Tcp(start, client, clientPort, server, serverPort, TestSupport.Tcp.Syn)
            .Tcp(start + 0.001, server, serverPort, client, clientPort, TestSupport.Tcp.SynAck)
            .Tcp(start + 0.002, client, clientPort, server, serverPort, TestSupport.Tcp.Ack)
            .Tcp(start + 0.003, client, clientPort, server, serverPort, TestSupport.Tcp.PshAck, request)
            .Tcp(start + 0.010, server, serverPort, client, clientPort, TestSupport.Tcp.PshAck, response)
            .Tcp(start + 0.011, client, clientPort, server, serverPort, TestSupport.Tcp.FinAck)
            .Tcp(start + 0.012, server, serverPort, client, clientPort, TestSupport.Tcp.FinAck)
            .Tcp(start + 0.013, client, clientPort, server, serverPort, TestSupport.Tcp.Ack);

    public static byte[] IcmpBytes(int type, int code, int dataLength)
    {
        var bytes = new byte[8 + dataLength];
        bytes[0] = (byte)type;
        bytes[1] = (byte)code;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), 0x1234);
        return bytes;
    }

    public void WritePcap(string path)
    {
        using var writer = new CaptureFileWriterDevice(path);
        writer.Open(new DeviceConfiguration { LinkLayerType = LinkLayers.Ethernet });
        foreach (var (time, frame) in _frames)
        {
            writer.Write(new RawCapture(LinkLayers.Ethernet, ToTimeval(time), frame));
        }
    }

    /// <summary>pcapng: a section header, one Ethernet interface (microsecond times), one enhanced packet block per frame.</summary>
    public void WritePcapNg(string path)
    {
        using var file = new BinaryWriter(File.Create(path));
        WriteBlock(file, 0x0A0D0D0A, w =>
        {
            w.Write(0x1A2B3C4D); // byte-order magic
            w.Write((ushort)1);
            w.Write((ushort)0);
            w.Write(-1L); // section length unknown
        });
        WriteBlock(file, 0x00000001, w =>
        {
            w.Write((ushort)LinkLayers.Ethernet);
            w.Write((ushort)0);
            w.Write(65535);
        });
        foreach (var (time, frame) in _frames)
        {
            var micros = (ulong)Math.Round(time * 1e6);
            WriteBlock(file, 0x00000006, w =>
            {
                w.Write(0); // interface 0
                w.Write((uint)(micros >> 32));
                w.Write((uint)micros);
                w.Write(frame.Length);
                w.Write(frame.Length);
                w.Write(frame);
                w.Write(new byte[(4 - frame.Length % 4) % 4]);
            });
        }
    }

    private static void WriteBlock(BinaryWriter file, uint type, Action<BinaryWriter> body)
    {
        using var content = new MemoryStream();
        using (var w = new BinaryWriter(content, System.Text.Encoding.ASCII, leaveOpen: true))
        {
            body(w);
        }

        var length = (uint)(12 + content.Length);
        file.Write(type);
        file.Write(length);
        file.Write(content.ToArray());
        file.Write(length);
    }

    /// <summary>IPv4, or IPv6 when the addresses are IPv6 ("fd00::1").</summary>
    private CaptureBuilder Ip(double time, string source, string destination, ProtocolType protocol, Packet transport)
    {
        IPPacket ip = source.Contains(':', StringComparison.Ordinal)
            ? new IPv6Packet(IPAddress.Parse(source), IPAddress.Parse(destination)) { NextHeader = protocol, HopLimit = 64, PayloadPacket = transport }
            : new IPv4Packet(IPAddress.Parse(source), IPAddress.Parse(destination)) { Protocol = protocol, TimeToLive = 64, PayloadPacket = transport };
        if (transport is TcpPacket tcp)
        {
            tcp.UpdateTcpChecksum();
        }
        else if (transport is UdpPacket udp)
        {
            udp.UpdateUdpChecksum();
        }

        (ip as IPv4Packet)?.UpdateIPChecksum();
        return Add(time, ip);
    }

    private CaptureBuilder IpPayload(double time, string source, string destination, ProtocolType protocol, byte[] data, ushort id, int offsetBytes, bool moreFragments)
    {
        if (source.Contains(':', StringComparison.Ordinal))
        {
            return Add(time, new IPv6Packet(IPAddress.Parse(source), IPAddress.Parse(destination))
            {
                NextHeader = protocol == ProtocolType.Icmp ? ProtocolType.IcmpV6 : protocol,
                HopLimit = 64,
                PayloadData = data,
                PayloadLength = (ushort)data.Length,
            });
        }

        var ip = new IPv4Packet(IPAddress.Parse(source), IPAddress.Parse(destination))
        {
            Protocol = protocol,
            TimeToLive = 64,
            Id = id,
            FragmentOffset = offsetBytes / 8,
            FragmentFlags = moreFragments ? 1 : 0,
            PayloadData = data,
        };
        ip.UpdateIPChecksum();
        return Add(time, ip);
    }

    private CaptureBuilder Add(double time, IPPacket ip)
    {
        var ethernet = new EthernetPacket(ClientMac, ServerMac, ip is IPv6Packet ? EthernetType.IPv6 : EthernetType.IPv4) { PayloadPacket = ip };
        _frames.Add((time, ethernet.Bytes));
        return this;
    }

    private static PosixTimeval ToTimeval(double time)
    {
        var micros = (ulong)Math.Round(time * 1e6);
        return new PosixTimeval(micros / 1_000_000, micros % 1_000_000);
    }
}
