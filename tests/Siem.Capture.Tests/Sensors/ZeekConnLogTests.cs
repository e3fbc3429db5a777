using System.Text;
using Siem.Capture.Zeek;
using Siem.Detection.Reading;

namespace Siem.Capture.Tests.Sensors;

/// <summary>Zeek conn.log fixtures written here, as Zeek writes them: the ASCII header with its escapes, unset fields, JSON.</summary>
public sealed class ZeekConnLogTests
{
    private const string Fields = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\tcommunity_id";

    private static string Tsv(params string[] rows) =>
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-12-01-10-00-00\n"
        + "#fields\t" + Fields + "\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\n"
        + string.Concat(rows.Select(r => r + "\n")) + "#close\t2026-12-01-11-00-00\n";

    private static List<ParsedLine> ReadTsv(string text) => [.. ZeekConnLog.ReadTsv(new MemoryStream(Encoding.UTF8.GetBytes(text)))];

    private static List<ParsedLine> ReadJson(string text) => [.. ZeekConnLog.ReadJson(new MemoryStream(Encoding.UTF8.GetBytes(text)))];

    [Fact]
    public void A_tsv_log_maps_to_kdd_records_with_its_flow_ids()
    {
        var lines = ReadTsv(Tsv(
            "1764583200.125000\tCHhAvVGS1DHFjwGM9\t10.0.0.5\t51234\t93.184.216.34\t80\ttcp\thttp\t2.750000\t420\t15320\tSF\tT\tF\t0\tShADadFf\t8\t752\t12\t15952\t-\t1:abcdEFGH+/xyz=",
            "1764583201.000000\tC4J4Th3PJpwUYZZ6gc\t10.0.0.5\t40000\t10.0.0.9\t23\ttcp\t-\t-\t-\t-\tS0\tT\tT\t0\tS\t1\t60\t0\t0\t-\t-",
            "1764583202.500000\tCUM0KZ3MLUfNB0cl11\t10.0.0.5\t8\t10.0.0.9\t0\ticmp\t-\t0.001\t56\t56\tOTH\tT\tT\t0\t-\t1\t84\t1\t84\t-\t-"));

        Assert.All(lines, l => Assert.True(l.IsValid, l.Error));
        Assert.Equal([9, 10, 11], lines.Select(l => l.LineNumber));
        var http = lines[0].Record!;
        Assert.Equal(("tcp", "http", "SF", 420L, 15320L, 2.0), (http.ProtocolType, http.Service, http.Flag, http.SrcBytes, http.DstBytes, http.Duration));
        Assert.Equal(("10.0.0.5", "93.184.216.34", 51234, 80), (http.SrcIp!.ToString(), http.DstIp!.ToString(), http.SrcPort!.Value, http.DstPort!.Value));
        Assert.Equal(("CHhAvVGS1DHFjwGM9", "1:abcdEFGH+/xyz="), (http.Uid, http.CommunityId));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764583200125), http.Timestamp);

        var syn = lines[1].Record!;
        Assert.Equal(("telnet", "S0", 0L, 0L, 0.0), (syn.Service, syn.Flag, syn.SrcBytes, syn.DstBytes, syn.Duration)); // unset fields are 0
        Assert.StartsWith("1:", syn.CommunityId); // computed when Zeek did not log one
        Assert.Equal(1.0, syn.SerrorRate); // the windows: one S0 among one connection to that host

        var ping = lines[2].Record!;
        Assert.Equal(("icmp", "eco_i", "SF"), (ping.ProtocolType, ping.Service, ping.Flag));
        Assert.Null(ping.SrcPort);
    }

    [Fact]
    public void Bad_lines_are_rejected_with_their_number_and_reason_and_reading_goes_on()
    {
        var good = "1764583200.1\tCa\t10.0.0.5\t51234\t10.0.0.9\t80\ttcp\t-\t1\t1\t1\tSF\tT\tF\t0\t-\t1\t1\t1\t1\t-\t-";
        var lines = ReadTsv(Tsv(
            good,
            good.Replace("10.0.0.5", "10.0.0.999", StringComparison.Ordinal),
            good.Replace("tcp", "sctp", StringComparison.Ordinal),
            good.Replace("\tSF\t", "\tXX\t", StringComparison.Ordinal),
            good.Replace("51234", "70000", StringComparison.Ordinal),
            "1764583200.1\tshort",
            good.Replace("1764583200.1", "yesterday", StringComparison.Ordinal),
            good));

        Assert.Equal([true, false, false, false, false, false, false, true], lines.Select(l => l.IsValid));
        Assert.Equal("id.orig_h: '10.0.0.999' is not an IP address", lines[1].Error);
        Assert.Contains("proto: 'sctp' is not tcp, udp or icmp", lines[2].Error);
        Assert.Contains("conn_state: 'XX'", lines[3].Error);
        Assert.Contains("id.orig_p: '70000' is not a port", lines[4].Error);
        Assert.Equal("2 fields where #fields names 22", lines[5].Error);
        Assert.Contains("ts: 'yesterday'", lines[6].Error);
        Assert.Equal(10, lines[1].LineNumber);
    }

    [Fact]
    public void The_separator_escape_and_other_separators_are_honoured()
    {
        var text = "#separator \\x2c\n#unset_field,-\n#fields,ts,uid,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,orig_bytes,resp_bytes,conn_state\n"
                   + "1764583200,Cx,10.0.0.1,1234,10.0.0.2,53,udp,40,-,-\n";
        var record = Assert.Single(ReadTsv(text)).Record!;
        Assert.Equal(("udp", "domain_u", "SF", 40L, 0L, "Cx"), (record.ProtocolType, record.Service, record.Flag, record.SrcBytes, record.DstBytes, record.Uid));
    }

    [Fact]
    public void A_log_that_is_not_conn_log_is_refused_as_a_whole()
    {
        var error = Assert.Throws<KddFormatException>(() => ReadTsv("#separator \\x09\n#path\tdns\n#fields\tts\tuid\tquery\n"));
        Assert.Contains("dns.log", error.Message);
        var fields = Assert.Throws<KddFormatException>(() => ReadTsv("#separator \\x09\n#fields\tts\tuid\tquery\n"));
        Assert.Contains("lacks id.orig_h", fields.Message);
    }

    [Fact]
    public void A_data_line_before_the_fields_header_is_rejected()
    {
        var line = Assert.Single(ReadTsv("#separator \\x09\n1764583200\tCx\n"));
        Assert.Equal("a data line before the #fields header line", line.Error);
    }

    [Fact]
    public void Json_lines_map_the_same_way_and_unset_fields_are_absent()
    {
        var lines = ReadJson(
            """
            {"ts":1764583200.125,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"10.0.0.5","id.orig_p":51234,"id.resp_h":"93.184.216.34","id.resp_p":80,"proto":"tcp","service":"http","duration":2.75,"orig_bytes":420,"resp_bytes":15320,"conn_state":"SF","community_id":"1:abc="}
            {"ts":"2026-12-01T10:00:01.000000Z","uid":"C2","id.orig_h":"fe80::1","id.orig_p":40000,"id.resp_h":"fe80::2","id.resp_p":22,"proto":"tcp","conn_state":"REJ"}
            {"ts":1764583200,"uid":"C3","id.orig_h":"10.0.0.5","id.orig_p":1,"id.resp_h":"10.0.0.6","proto":"udp"}
            not json
            """);
        Assert.Equal([true, true, false, false], lines.Select(l => l.IsValid));
        var http = lines[0].Record!;
        Assert.Equal(("http", "SF", 420L, 15320L, "CHhAvVGS1DHFjwGM9", "1:abc="), (http.Service, http.Flag, http.SrcBytes, http.DstBytes, http.Uid, http.CommunityId));
        var rejected = lines[1].Record!;
        Assert.Equal(("ssh", "REJ", "fe80::2"), (rejected.Service, rejected.Flag, rejected.DstIp!.ToString()));
        Assert.Equal(DateTimeOffset.Parse("2026-12-01T10:00:01Z", System.Globalization.CultureInfo.InvariantCulture), rejected.Timestamp);
        Assert.Equal("id.resp_p: missing", lines[2].Error);
        Assert.StartsWith("not valid JSON", lines[3].Error);
    }
}
