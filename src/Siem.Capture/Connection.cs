using Siem.Capture.Flows;

namespace Siem.Capture;

internal enum Transport
{
    Tcp = 6,
    Udp = 17,
    Icmp = 1,
}

/// <summary>One conversation being rebuilt: originator and responder, byte counts, and for TCP what each side said.</summary>
internal sealed class Connection(Transport transport, UInt128 originator, int originatorPort, UInt128 responder, int responderPort, double start, string service)
{
    public Transport Transport { get; } = transport;
    public UInt128 Originator { get; } = originator;
    public int OriginatorPort { get; } = originatorPort;
    public UInt128 Responder { get; } = responder;
    public int ResponderPort { get; } = responderPort;
    public double Start { get; } = start;
    public string Service { get; } = service;

    public double Last { get; set; } = start;
    public long SrcBytes { get; set; }
    public long DstBytes { get; set; }
    public int WrongFragments { get; set; }
    public int Urgent { get; set; }

    // TCP history, from each side's point of view.
    public bool OriginatorSyn { get; set; }
    public bool ResponderSynAck { get; set; }
    public bool OriginatorFin { get; set; }
    public bool ResponderFin { get; set; }
    public bool OriginatorRst { get; set; }
    public bool ResponderRst { get; set; }

    /// <summary>When both sides closed or one reset; the connection lingers a little to absorb the last ACKs.</summary>
    public double? ClosedAt { get; set; }

    public bool Emitted { get; set; }

    public ContentCapture? Content { get; set; }

    public bool Land => Originator == Responder && OriginatorPort == ResponderPort;

    /// <summary>The KDD (Bro) connection state.</summary>
    public string Flag => Transport == Transport.Tcp
        ? KddFlags.ForTcp(new TcpHistory(OriginatorSyn, ResponderSynAck, OriginatorFin, ResponderFin, OriginatorRst, ResponderRst))
        : "SF";
}
