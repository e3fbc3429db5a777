using PacketDotNet;
using Siem.TestSupport;

namespace Siem.Capture.Tests;

/// <summary>The KDD (Bro) connection states, one small capture each.</summary>
public sealed class ConnectionStateTests
{
    private const string Client = "10.1.0.1";
    private const string Server = "10.1.0.2";
    private const double T = CaptureScenarios.Start;

    private static CaptureBuilder Handshake() => new CaptureBuilder()
        .Tcp(T, Client, 40001, Server, 23, Tcp.Syn)
        .Tcp(T + 0.01, Server, 23, Client, 40001, Tcp.SynAck)
        .Tcp(T + 0.02, Client, 40001, Server, 23, Tcp.Ack);

    public static TheoryData<string, string> States() => new()
    {
        { "S0", "syn" },
        { "REJ", "syn,rst-from-server" },
        { "RSTOS0", "syn,rst-from-client" },
        { "SH", "syn,fin-from-client" },
        { "S1", "handshake" },
        { "SF", "handshake,fin-from-client,fin-from-server" },
        { "S2", "handshake,fin-from-client" },
        { "S3", "handshake,fin-from-server" },
        { "RSTO", "handshake,rst-from-client" },
        { "RSTR", "handshake,rst-from-server" },
        { "RSTRH", "synack,rst-from-server" },
        { "SHR", "synack,fin-from-server" },
        { "OTH", "ack-midstream" },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void Each_packet_history_gives_its_kdd_flag(string expected, string history)
    {
        var capture = new CaptureBuilder();
        var t = T;
        foreach (var step in history.Split(','))
        {
            t += 0.01;
            _ = step switch
            {
                "syn" => capture.Tcp(t, Client, 40001, Server, 23, Tcp.Syn),
                "synack" => capture.Tcp(t, Server, 23, Client, 40001, Tcp.SynAck),
                "handshake" => capture.Tcp(t, Client, 40001, Server, 23, Tcp.Syn)
                    .Tcp(t + 0.001, Server, 23, Client, 40001, Tcp.SynAck)
                    .Tcp(t + 0.002, Client, 40001, Server, 23, Tcp.Ack),
                "rst-from-server" => capture.Tcp(t, Server, 23, Client, 40001, Tcp.RstAck),
                "rst-from-client" => capture.Tcp(t, Client, 40001, Server, 23, Tcp.Rst),
                "fin-from-client" => capture.Tcp(t, Client, 40001, Server, 23, Tcp.FinAck),
                "fin-from-server" => capture.Tcp(t, Server, 23, Client, 40001, Tcp.FinAck),
                "ack-midstream" => capture.Tcp(t, Client, 40001, Server, 23, Tcp.PshAck, "ls\r\n"),
                _ => throw new ArgumentException(step),
            };
        }

        var record = Assert.Single(CaptureScenarios.Extract(capture));

        Assert.Equal(expected, record.Flag);
        Assert.Equal(("tcp", "telnet"), (record.ProtocolType, record.Service));
        Assert.Equal(Client, record.SrcIp!.ToString());
    }

    [Fact]
    public void A_lone_syn_ack_makes_its_receiver_the_originator()
    {
        var record = Assert.Single(CaptureScenarios.Extract(new CaptureBuilder().Tcp(T, Server, 80, Client, 40001, Tcp.SynAck)));

        Assert.Equal((Client, Server, "http"), (record.SrcIp!.ToString(), record.DstIp!.ToString(), record.Service));
    }

    [Fact]
    public void Land_is_same_host_and_port_both_ways_and_urgent_counts_urg_packets()
    {
        var capture = new CaptureBuilder()
            .Tcp(T, Server, 139, Server, 139, Tcp.Syn) // the land attack: a SYN from the target to itself
            .Tcp(T + 1, Client, 40002, Server, 139, Tcp.Syn)
            .Tcp(T + 1.01, Server, 139, Client, 40002, Tcp.SynAck)
            .Tcp(T + 1.02, Client, 40002, Server, 139, Tcp.Ack | Tcp.Urg, "!")
            .Tcp(T + 1.03, Client, 40002, Server, 139, Tcp.Ack | Tcp.Urg, "!");

        var records = CaptureScenarios.Extract(capture);

        Assert.Equal(2, records.Count);
        Assert.True(records[0].Land);
        Assert.Equal(("netbios_ssn", "S0"), (records[0].Service, records[0].Flag));
        Assert.False(records[1].Land);
        Assert.Equal((2, 2L), (records[1].Urgent, records[1].SrcBytes));
    }

    [Fact]
    public void Duration_runs_from_the_first_to_the_last_packet_in_whole_seconds()
    {
        var capture = Handshake()
            .Tcp(T + 7.9, Client, 40001, Server, 23, Tcp.FinAck)
            .Tcp(T + 7.95, Server, 23, Client, 40001, Tcp.FinAck);

        var record = Assert.Single(CaptureScenarios.Extract(capture));

        Assert.Equal((7.0, "SF"), (record.Duration, record.Flag));
    }

    [Fact]
    public void A_new_syn_on_a_closed_port_pair_starts_a_new_connection()
    {
        var capture = Handshake()
            .Tcp(T + 0.1, Client, 40001, Server, 23, Tcp.RstAck)
            .Tcp(T + 1, Client, 40001, Server, 23, Tcp.Syn);

        var records = CaptureScenarios.Extract(capture);

        Assert.Equal(["RSTO", "S0"], records.Select(r => r.Flag));
    }

    [Fact]
    public void Udp_is_one_pseudo_connection_per_port_pair_until_it_goes_quiet()
    {
        var capture = new CaptureBuilder()
            .Udp(T, Client, 5353, Server, 53, 40)
            .Udp(T + 0.1, Server, 53, Client, 5353, 120)
            .Udp(T + 0.2, Client, 5353, Server, 53, 40)
            .Udp(T + 400, Client, 5353, Server, 53, 40); // after the 180 s UDP timeout: a new one

        var records = CaptureScenarios.Extract(capture);

        Assert.Equal(2, records.Count);
        Assert.Equal(("udp", "domain_u", "SF", 80L, 120L), (records[0].ProtocolType, records[0].Service, records[0].Flag, records[0].SrcBytes, records[0].DstBytes));
        Assert.Equal(40, records[1].SrcBytes);
    }

    [Fact]
    public void Fragments_are_reassembled_and_overlaps_count_as_wrong_fragments()
    {
        var udp = new byte[8 + 32];
        udp[1] = 0x35; // source port 53
        udp[3] = 0x89; // destination port 137
        udp[5] = (byte)udp.Length;
        var capture = new CaptureBuilder()
            // A clean datagram in two fragments.
            .Fragment(T, Client, Server, ProtocolType.Udp, id: 7, offsetBytes: 0, moreFragments: true, udp[..24])
            .Fragment(T + 0.001, Client, Server, ProtocolType.Udp, id: 7, offsetBytes: 24, moreFragments: false, udp[24..])
            // Teardrop: the second fragment overlaps the first.
            .Fragment(T + 1, "10.9.9.9", Server, ProtocolType.Udp, id: 8, offsetBytes: 0, moreFragments: true, udp[..24])
            .Fragment(T + 1.001, "10.9.9.9", Server, ProtocolType.Udp, id: 8, offsetBytes: 16, moreFragments: false, udp[16..]);

        var records = CaptureScenarios.Extract(capture);

        Assert.Equal(2, records.Count);
        Assert.Equal(("udp", "private", 32L, 0), (records[0].ProtocolType, records[0].Service, records[0].SrcBytes, records[0].WrongFragment));
        Assert.Equal(("10.9.9.9", 1), (records[1].SrcIp!.ToString(), records[1].WrongFragment));
    }

    [Fact]
    public void Ping_of_death_past_the_ip_limit_is_a_wrong_fragment()
    {
        var capture = new CaptureBuilder()
            .Fragment(T, Client, Server, ProtocolType.Icmp, id: 9, offsetBytes: 0, moreFragments: true, CaptureBuilder.IcmpBytes(8, 0, 1472))
            .Fragment(T + 0.001, Client, Server, ProtocolType.Icmp, id: 9, offsetBytes: 65528, moreFragments: false, new byte[100]);

        var record = Assert.Single(CaptureScenarios.Extract(capture));

        Assert.Equal(("icmp", "eco_i", 1), (record.ProtocolType, record.Service, record.WrongFragment));
    }

    [Fact]
    public void Ipv6_connections_are_rebuilt_too_with_their_addresses()
    {
        var capture = new CaptureBuilder()
            .HttpSession(T, "fd00::10", 50000, "fd00::20", CaptureScenarios.HttpRequest, CaptureScenarios.HttpResponse(100))
            .Icmp(T + 1, "fd00::10", "fd00::20", type: 128, code: 0, dataLength: 56)  // ICMPv6 echo request
            .Icmp(T + 1.001, "fd00::20", "fd00::10", type: 129, code: 0, dataLength: 56)
            .Icmp(T + 2, "fd00::20", "fd00::10", type: 1, code: 4, dataLength: 48);  // port unreachable
        var summary = new CaptureSummary();

        var records = CaptureScenarios.Extract(capture, summary: summary);

        Assert.Equal(4, records.Count);
        Assert.Equal(("tcp", "http", "SF", true), (records[0].ProtocolType, records[0].Service, records[0].Flag, records[0].LoggedIn));
        Assert.Equal(("fd00::10", "fd00::20", 80), (records[0].SrcIp!.ToString(), records[0].DstIp!.ToString(), records[0].DstPort));
        Assert.Equal(["eco_i", "ecr_i", "urp_i"], records.Skip(1).Select(r => r.Service));
        Assert.Equal(64L, records[1].SrcBytes);
        Assert.Equal(0, summary.NotIp);
    }
}
