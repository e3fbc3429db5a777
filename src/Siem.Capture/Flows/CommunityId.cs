using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Siem.Capture.Flows;

/// <summary>
/// The Community ID flow hash, version 1 (github.com/corelight/community-id-spec): the same connection gets the same
/// id in Zeek, Suricata, Elastic and here, so a flow can be followed from one tool to the next. Seed 0.
/// </summary>
public static class CommunityId
{
    /// <summary>"1:" and the base64 SHA-1 of seed, the ordered endpoints, protocol, a pad byte and the ordered ports.</summary>
    public static string Compute(IPAddress source, IPAddress destination, int protocol, int sourcePort, int destinationPort, ushort seed = 0)
    {
        var src = Normalise(source).GetAddressBytes();
        var dst = Normalise(destination).GetAddressBytes();
        int sport = sourcePort, dport = destinationPort;
        if (protocol == FlowSummary.IcmpProtocol)
        {
            // ICMP: the "ports" are type and code; a request and its reply map to one flow (the spec's one-way table).
            (sport, dport, var oneWay) = IcmpPorts(sourcePort, destinationPort);
            if (!oneWay && IsOrdered(dst, src, dport, sport))
            {
                (src, dst, sport, dport) = (dst, src, dport, sport);
            }
        }
        else if (!IsOrdered(src, dst, sport, dport))
        {
            (src, dst, sport, dport) = (dst, src, dport, sport);
        }

        Span<byte> data = stackalloc byte[2 + 16 + 16 + 2 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(data, seed);
        var length = 2;
        src.CopyTo(data[length..]);
        length += src.Length;
        dst.CopyTo(data[length..]);
        length += dst.Length;
        data[length++] = (byte)protocol;
        data[length++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(data[length..], (ushort)sport);
        BinaryPrimitives.WriteUInt16BigEndian(data[(length + 2)..], (ushort)dport);
        length += 4;
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // the spec fixes SHA-1: an id, not a security boundary
        SHA1.HashData(data[..length], hash);
#pragma warning restore CA5350
        return "1:" + Convert.ToBase64String(hash);
    }

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Lower address first; equal addresses, lower port first.</summary>
    private static bool IsOrdered(byte[] a, byte[] b, int aPort, int bPort)
    {
        var order = a.AsSpan().SequenceCompareTo(b);
        return order < 0 || (order == 0 && aPort <= bPort);
    }

    /// <summary>ICMPv4 type/code to the spec's port pair; one-way types keep their order.</summary>
    private static (int Type, int Counterpart, bool OneWay) IcmpPorts(int type, int code) => type switch
    {
        8 => (8, 0, false), // echo request / reply
        0 => (0, 8, false),
        13 => (13, 14, false), // timestamp
        14 => (14, 13, false),
        15 => (15, 16, false), // information
        16 => (16, 15, false),
        10 => (10, 9, false), // router solicitation / advertisement
        9 => (9, 10, false),
        17 => (17, 18, false), // address mask
        18 => (18, 17, false),
        _ => (type, code, true),
    };
}
