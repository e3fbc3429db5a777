namespace Siem.Capture.Flows;

/// <summary>
/// Pairs the two directions of a connection that exporters report as two flows (softflowd, most routers) into one
/// summary: the direction that started first is the originator (on a tie, the one from the higher, ephemeral, port);
/// its bytes are src_bytes, the other's dst_bytes; the TCP flag comes from both sides' cumulative flags. A flow waits
/// up to the hold time for its reverse, then is described alone. ICMP messages stay records of their own, as in the
/// KDD data. Byte counts are IP octets; the KDD counts payload, so the headers (20 or 40 bytes IP, 20 TCP, 8 UDP per
/// packet; TCP options not known) are taken off. Not thread-safe: one per exporter.
/// </summary>
public sealed class FlowStitcher(int maxWaiting = 100_000)
{
    private readonly Dictionary<FlowKey, Waiting> _waiting = [];
    private readonly Queue<(FlowKey Key, long Sequence)> _order = new();
    private long _sequence;

    public int WaitingCount => _waiting.Count;

    /// <summary>Adds a flow; a finished connection (the pair, or an ICMP message) is added to <paramref name="done"/>.</summary>
    public void Add(ExportedFlow flow, double arrival, List<FlowSummary> done)
    {
        if (flow.Protocol is not (FlowSummary.TcpProtocol or FlowSummary.UdpProtocol))
        {
            done.Add(Summarise(flow, null));
            return;
        }

        if (flow.Reverse is { } answer)
        {
            // An RFC 5103 biflow is both directions already: the exporter chose the initiator as its source.
            var back = flow with
            {
                Source = flow.Destination,
                Destination = flow.Source,
                SourcePort = flow.DestinationPort,
                DestinationPort = flow.SourcePort,
                Octets = answer.Octets,
                Packets = answer.Packets,
                TcpFlags = answer.TcpFlags,
                Reverse = null
            };
            done.Add(Summarise(flow, back));
            return;
        }

        var key = new FlowKey(flow.Source, flow.SourcePort, flow.Destination, flow.DestinationPort, flow.Protocol);
        var reverse = new FlowKey(flow.Destination, flow.DestinationPort, flow.Source, flow.SourcePort, flow.Protocol);
        if (_waiting.Remove(reverse, out var other))
        {
            var (originator, responder) = IsOriginator(other.Flow, flow) ? (other.Flow, flow) : (flow, other.Flow);
            done.Add(Summarise(originator, responder));
            return;
        }

        if (_waiting.Remove(key, out var earlier))
        {
            done.Add(Summarise(earlier.Flow, null)); // the same direction again: the earlier one ended unanswered
        }

        _waiting[key] = new Waiting(flow, arrival, ++_sequence);
        _order.Enqueue((key, _sequence));
        while (_waiting.Count > maxWaiting)
        {
            TakeOldest(done);
        }
    }

    /// <summary>Describes alone every flow that waited since before <paramref name="before"/> (all with +infinity).</summary>
    public void Expire(double before, List<FlowSummary> done)
    {
        while (_order.TryPeek(out var next))
        {
            if (!_waiting.TryGetValue(next.Key, out var waiting) || waiting.Sequence != next.Sequence)
            {
                _order.Dequeue(); // paired or replaced since
                continue;
            }

            if (waiting.Arrival >= before)
            {
                return;
            }

            TakeOldest(done);
        }
    }

    private void TakeOldest(List<FlowSummary> done)
    {
        while (_order.TryDequeue(out var next))
        {
            if (_waiting.TryGetValue(next.Key, out var waiting) && waiting.Sequence == next.Sequence)
            {
                _waiting.Remove(next.Key);
                done.Add(Summarise(waiting.Flow, null));
                return;
            }
        }
    }

    private static bool IsOriginator(ExportedFlow a, ExportedFlow b) =>
        a.Start != b.Start ? a.Start < b.Start : a.SourcePort >= b.SourcePort;

    private static FlowSummary Summarise(ExportedFlow originator, ExportedFlow? responder)
    {
        var end = Math.Max(originator.End, responder?.End ?? originator.End);
        return new FlowSummary
        {
            Protocol = originator.Protocol,
            SrcIp = originator.Source,
            DstIp = originator.Destination,
            SrcPort = originator.SourcePort,
            DstPort = originator.DestinationPort,
            Start = originator.Start,
            Duration = end - originator.Start,
            SrcBytes = Payload(originator),
            DstBytes = responder is { } r ? Payload(r) : 0,
            Tcp = TcpHistory.FromFlags(originator.TcpFlags, responder?.TcpFlags),
        };
    }

    private static long Payload(ExportedFlow flow)
    {
        var ip = flow.IsIpv6 ? 40 : 20;
        var transport = flow.Protocol switch { FlowSummary.TcpProtocol => 20, FlowSummary.UdpProtocol => 8, _ => 0 }; // ICMP's own header counts, as in the KDD data
        return Math.Max(0, flow.Octets - flow.Packets * (ip + transport));
    }

    private readonly record struct FlowKey(System.Net.IPAddress Source, int SourcePort, System.Net.IPAddress Destination, int DestinationPort, int Protocol);

    private readonly record struct Waiting(ExportedFlow Flow, double Arrival, long Sequence);
}
