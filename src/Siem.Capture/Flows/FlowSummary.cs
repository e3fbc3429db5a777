using System.Net;

namespace Siem.Capture.Flows;

/// <summary>
/// One connection as a sensor summarised it (a Zeek conn.log line, a stitched NetFlow/IPFIX flow pair, a rebuilt capture
/// connection): what <see cref="FlowDescriber"/> needs to make a KDD record of it. Times are Unix seconds.
/// </summary>
public sealed record FlowSummary
{
    /// <summary>IANA protocol number: 6 TCP, 17 UDP, 1 ICMP (the only three KDD knows).</summary>
    public required int Protocol { get; init; }
    public required IPAddress SrcIp { get; init; }
    public required IPAddress DstIp { get; init; }

    /// <summary>For ICMP, the type (as Zeek writes it in <c>id.orig_p</c>).</summary>
    public int SrcPort { get; init; }

    /// <summary>For ICMP, the code (as Zeek writes it in <c>id.resp_p</c>).</summary>
    public int DstPort { get; init; }
    public required double Start { get; init; }
    public double Duration { get; init; }
    public long SrcBytes { get; init; }
    public long DstBytes { get; init; }

    /// <summary>The KDD flag when the sensor knew it (Zeek's conn_state); else it comes from <see cref="Tcp"/> (or SF for UDP and ICMP).</summary>
    public string? Flag { get; init; }
    public TcpHistory Tcp { get; init; }
    public int WrongFragment { get; init; }
    public int Urgent { get; init; }
    public string? Uid { get; init; }
    public string? CommunityId { get; init; }

    /// <summary>The KDD service, when the sensor already chose it; else from the port (or ICMP type and code).</summary>
    public string? Service { get; init; }

    internal ContentFeatures Content { get; init; } = ContentFeatures.None;

    /// <summary>False for a rebuilt ICMP message, whose type and code are not kept as ports: no Community ID then.</summary>
    internal bool HasFlowPorts { get; init; } = true;

    public const int TcpProtocol = 6;
    public const int UdpProtocol = 17;
    public const int IcmpProtocol = 1;

    public static bool IsKddProtocol(int protocol) => protocol is TcpProtocol or UdpProtocol or IcmpProtocol;
}
