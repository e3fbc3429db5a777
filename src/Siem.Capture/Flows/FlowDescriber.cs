using System.Buffers.Binary;
using System.Net;
using Siem.Domain.Records;

namespace Siem.Capture.Flows;

/// <summary>
/// Turns sensor summaries of connections into KDD records: service from the responder's port (or ICMP type and code),
/// the flag, whole-second duration, and the traffic features of the 2-second and 100-connection windows, computed the
/// way the capture extractor computes them. One instance per source: the windows are that source's recent traffic.
/// Summaries should arrive in start order; sensors that write a connection when it ends (Zeek, NetFlow exporters)
/// are described in the order they arrive, an approximation for the windows that the documentation states.
/// </summary>
public sealed class FlowDescriber
{
    private readonly TrafficWindows _windows = new();

    /// <summary>The record of <paramref name="flow"/>; null when its protocol is not TCP, UDP or ICMP (KDD has no others).</summary>
    public ConnectionRecord? Describe(FlowSummary flow)
    {
        if (!FlowSummary.IsKddProtocol(flow.Protocol))
        {
            return null;
        }

        var isIcmp = flow.Protocol == FlowSummary.IcmpProtocol;
        var service = flow.Service ?? flow.Protocol switch
        {
            FlowSummary.TcpProtocol => KddServices.ForTcp(flow.DstPort),
            FlowSummary.UdpProtocol => KddServices.ForUdp(flow.DstPort),
            _ => KddServices.ForIcmp(flow.SrcPort, flow.DstPort),
        };
        var flag = flow.Flag ?? (flow.Protocol == FlowSummary.TcpProtocol ? KddFlags.ForTcp(flow.Tcp) : "SF");
        var traffic = _windows.Add(new WindowEntry(flow.Start, HostKey(flow.DstIp), service, flow.SrcPort,
            flag is "S0" or "S1" or "S2" or "S3", flag == "REJ"));
        var content = flow.Content;
        return new ConnectionRecord
        {
            Duration = Math.Floor(Math.Max(0, flow.Duration)),
            ProtocolType = flow.Protocol switch { FlowSummary.TcpProtocol => "tcp", FlowSummary.UdpProtocol => "udp", _ => "icmp" },
            Service = service,
            Flag = flag,
            SrcBytes = flow.SrcBytes,
            DstBytes = flow.DstBytes,
            Land = flow.SrcIp.Equals(flow.DstIp) && flow.SrcPort == flow.DstPort,
            WrongFragment = flow.WrongFragment,
            Urgent = flow.Urgent,
            NumFailedLogins = content.FailedLogins,
            LoggedIn = content.LoggedIn,
            RootShell = content.RootShell ? 1 : 0,
            SuAttempted = content.SuAttempted ? 1 : 0,
            IsGuestLogin = content.GuestLogin,
            Count = traffic.Count,
            SrvCount = traffic.SrvCount,
            SerrorRate = traffic.SerrorRate,
            SrvSerrorRate = traffic.SrvSerrorRate,
            RerrorRate = traffic.RerrorRate,
            SrvRerrorRate = traffic.SrvRerrorRate,
            SameSrvRate = traffic.SameSrvRate,
            DiffSrvRate = traffic.DiffSrvRate,
            SrvDiffHostRate = traffic.SrvDiffHostRate,
            DstHostCount = traffic.DstHostCount,
            DstHostSrvCount = traffic.DstHostSrvCount,
            DstHostSameSrvRate = traffic.DstHostSameSrvRate,
            DstHostDiffSrvRate = traffic.DstHostDiffSrvRate,
            DstHostSameSrcPortRate = traffic.DstHostSameSrcPortRate,
            DstHostSrvDiffHostRate = traffic.DstHostSrvDiffHostRate,
            DstHostSerrorRate = traffic.DstHostSerrorRate,
            DstHostSrvSerrorRate = traffic.DstHostSrvSerrorRate,
            DstHostRerrorRate = traffic.DstHostRerrorRate,
            DstHostSrvRerrorRate = traffic.DstHostSrvRerrorRate,
            Timestamp = DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(flow.Start * TimeSpan.TicksPerSecond)),
            SrcIp = flow.SrcIp,
            DstIp = flow.DstIp,
            SrcPort = isIcmp ? null : flow.SrcPort,
            DstPort = isIcmp ? null : flow.DstPort,
            Uid = flow.Uid,
            CommunityId = flow.CommunityId ?? (flow.HasFlowPorts ? CommunityId.Compute(flow.SrcIp, flow.DstIp, flow.Protocol, flow.SrcPort, flow.DstPort) : null),
        };
    }

    /// <summary>The address as the windows key it (IPv4 as IPv4-mapped IPv6, as the capture decoder does), without allocating.</summary>
    private static UInt128 HostKey(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.TryWriteBytes(bytes, out var written) && written == 4)
        {
            return new UInt128(0, 0xFFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
