namespace Siem.Capture;

/// <summary>
/// The KDD Cup 99 service names, chosen (as Bro did for the DARPA data) from the responder's port, or
/// from the ICMP type and code. Unknown TCP/UDP ports below 1024 are "private", the rest "other".
/// </summary>
public static class KddServices
{
    private static readonly Dictionary<int, string> Tcp = new()
    {
        [7] = "echo",
        [9] = "discard",
        [11] = "systat",
        [13] = "daytime",
        [15] = "netstat",
        [20] = "ftp_data",
        [21] = "ftp",
        [22] = "ssh",
        [23] = "telnet",
        [25] = "smtp",
        [37] = "time",
        [42] = "name",
        [43] = "whois",
        [53] = "domain",
        [57] = "mtp",
        [70] = "gopher",
        [71] = "remote_job",
        [77] = "rje",
        [79] = "finger",
        [80] = "http",
        [84] = "ctf",
        [95] = "supdup",
        [101] = "hostnames",
        [102] = "iso_tsap",
        [105] = "csnet_ns",
        [109] = "pop_2",
        [110] = "pop_3",
        [111] = "sunrpc",
        [113] = "auth",
        [117] = "uucp_path",
        [119] = "nntp",
        [137] = "netbios_ns",
        [138] = "netbios_dgm",
        [139] = "netbios_ssn",
        [143] = "imap4",
        [150] = "sql_net",
        [175] = "vmnet",
        [179] = "bgp",
        [194] = "IRC",
        [210] = "Z39_50",
        [245] = "link",
        [389] = "ldap",
        [433] = "nnsp",
        [443] = "http_443",
        [512] = "exec",
        [513] = "login",
        [514] = "shell",
        [515] = "printer",
        [520] = "efs",
        [530] = "courier",
        [540] = "uucp",
        [543] = "klogin",
        [544] = "kshell",
        [6667] = "IRC",
        // Not in the 1998 mapping: web servers on the common alternative ports are still HTTP.
        [8000] = "http",
        [8080] = "http",
    };

    private static readonly Dictionary<int, string> Udp = new()
    {
        [53] = "domain_u",
        [69] = "tftp_u",
        [123] = "ntp_u",
    };

    public static string ForTcp(int responderPort) =>
        Tcp.TryGetValue(responderPort, out var name) ? name
        : responderPort is >= 6000 and <= 6063 ? "X11"
        : Unknown(responderPort);

    public static string ForUdp(int responderPort) =>
        Udp.TryGetValue(responderPort, out var name) ? name : Unknown(responderPort);

    /// <summary>ICMP "services" as in the KDD data: echo request/reply, unreachable port/host, timestamp, redirect.</summary>
    public static string ForIcmp(int type, int code) => (type, code) switch
    {
        (8, _) => "eco_i",
        (0, _) => "ecr_i",
        (3, 3) => "urp_i",
        (3, _) => "urh_i",
        (13 or 14, _) => "tim_i",
        (5, _) => "red_i",
        _ => "oth_i",
    };

    private static string Unknown(int port) => port < 1024 ? "private" : "other";
}
