namespace Siem.Capture.Flows;

/// <summary>What each side of a TCP connection was seen to send.</summary>
public readonly record struct TcpHistory(bool OriginatorSyn, bool ResponderSynAck, bool OriginatorFin, bool ResponderFin, bool OriginatorRst, bool ResponderRst)
{
    private const byte Fin = 0x01;
    private const byte Syn = 0x02;
    private const byte Rst = 0x04;

    /// <summary>
    /// From the cumulative TCP flags of a flow record (NetFlow/IPFIX <c>tcpControlBits</c>) and, when the exporter sent
    /// the reverse direction too, its flags. Cumulative flags cannot tell a SYN from a SYN-ACK, so a responder's SYN
    /// counts as its SYN-ACK; without the reverse flow the responder is taken to have sent nothing.
    /// </summary>
    public static TcpHistory FromFlags(byte originator, byte? responder)
    {
        var reverse = responder ?? 0;
        return new TcpHistory((originator & Syn) != 0, (reverse & Syn) != 0, (originator & Fin) != 0, (reverse & Fin) != 0,
            (originator & Rst) != 0, (reverse & Rst) != 0);
    }
}

/// <summary>The KDD flag values, which are Bro's (now Zeek's) connection states.</summary>
public static class KddFlags
{
    /// <summary>Zeek's <c>conn_state</c> values: the same thirteen names the KDD data uses.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH",
    };

    /// <summary>The KDD (Bro) connection state of a TCP connection from what each side sent.</summary>
    public static string ForTcp(TcpHistory h)
    {
        if (!h.OriginatorSyn)
        {
            // Midstream, or only the responder's half of a handshake was seen.
            return !h.ResponderSynAck ? "OTH"
                : h.ResponderRst ? "RSTRH"
                : h.ResponderFin ? "SHR"
                : "OTH";
        }

        if (!h.ResponderSynAck)
        {
            return h.ResponderRst ? "REJ"
                : h.OriginatorRst ? "RSTOS0"
                : h.OriginatorFin ? "SH"
                : "S0";
        }

        return h.OriginatorRst ? "RSTO"
            : h.ResponderRst ? "RSTR"
            : h.OriginatorFin && h.ResponderFin ? "SF"
            : h.OriginatorFin ? "S2"
            : h.ResponderFin ? "S3"
            : "S1";
    }
}
