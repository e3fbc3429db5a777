using System.Buffers.Binary;

namespace Siem.Capture;

/// <summary>
/// Rebuilds connections from datagrams, the way Bro did for the DARPA data: TCP from the first SYN to
/// FIN/RST (or an inactivity timeout), UDP as pseudo-connections ended by inactivity, and every ICMP
/// message as a record of its own (the KDD data has no ICMP record with bytes in both directions).
/// Finished connections are handed over in start order: one is held back while a connection that
/// started earlier is still open (up to <see cref="MaxHeldBack"/>), so the traffic windows see
/// connections in the order they began, as the KDD features were computed.
/// </summary>
internal sealed class ConnectionTracker
{
    public const double TcpHandshakeTimeout = 120;
    public const double TcpIdleTimeout = 300;
    public const double ClosedLinger = 10;
    public const double UdpTimeout = 180;

    private const int TcpFin = 0x01;
    private const int TcpSyn = 0x02;
    private const int TcpRst = 0x04;
    private const int TcpAck = 0x10;
    private const int TcpUrg = 0x20;

    private readonly Dictionary<(Transport, UInt128, int, UInt128, int), Connection> _open = new();
    private readonly PriorityQueue<Connection, double> _deadlines = new();
    private readonly PriorityQueue<Connection, double> _openByStart = new();
    private readonly PriorityQueue<Connection, double> _finished = new();

    /// <summary>How many finished connections may wait for an earlier, still open one before they go anyway.</summary>
    public const int MaxHeldBack = 100_000;

    public long Truncated { get; private set; }

    public int OpenCount => _open.Count;

    /// <summary>Adds a datagram to its connection (opening one when needed).</summary>
    public void Add(in IpDatagram datagram)
    {
        var bytes = datagram.Transport;
        switch ((Transport)datagram.Protocol)
        {
            case Transport.Tcp when bytes.Length >= 20:
                AddTcp(datagram, bytes);
                break;
            case Transport.Udp when bytes.Length >= 8:
                AddUdp(datagram, bytes);
                break;
            case Transport.Icmp when bytes.Length >= 4:
                AddIcmp(datagram, bytes);
                break;
            case Transport.Tcp or Transport.Udp or Transport.Icmp:
                Truncated++;
                break;
        }
    }

    /// <summary>Moves connections whose deadline passed (all of them at the end of a capture) to the finished list.</summary>
    public void Expire(double now, bool all = false)
    {
        while (_deadlines.TryPeek(out var connection, out var deadline) && (all || deadline <= now))
        {
            _deadlines.Dequeue();
            if (connection.Emitted)
            {
                continue;
            }

            var actual = Deadline(connection);
            if (!all && actual > now)
            {
                _deadlines.Enqueue(connection, actual); // it saw traffic since: look again later
                continue;
            }

            Finish(connection);
        }
    }

    /// <summary>Hands over, in start order, the finished connections no open connection started before.</summary>
    public IEnumerable<Connection> TakeFinished()
    {
        while (_openByStart.TryPeek(out var oldest, out _) && oldest.Emitted)
        {
            _openByStart.Dequeue();
        }

        var earliestOpen = _openByStart.TryPeek(out _, out var start) ? start : double.PositiveInfinity;
        while (_finished.TryPeek(out var connection, out var started) && (started <= earliestOpen || _finished.Count > MaxHeldBack))
        {
            yield return _finished.Dequeue();
        }
    }

    private void AddTcp(in IpDatagram datagram, byte[] bytes)
    {
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2));
        var headerLength = Math.Clamp((bytes[12] >> 4) * 4, 20, bytes.Length);
        int flags = bytes[13];
        var payload = bytes.AsSpan(headerLength);

        var connection = Find(datagram.Time, Transport.Tcp, datagram.Source, sourcePort, datagram.Destination, destinationPort, out var fromOriginator);
        var isSyn = (flags & TcpSyn) != 0;
        var isSynAck = isSyn && (flags & TcpAck) != 0;
        if (connection is not null && isSyn && !isSynAck && fromOriginator && (connection.ClosedAt is not null || connection.ResponderSynAck))
        {
            Finish(connection); // the port pair is being reused for a new connection
            connection = null;
        }

        if (connection is null)
        {
            // The side that sends the SYN is the originator; a lone SYN-ACK was sent by the responder;
            // midstream, a well-known source port talking to a high port is the responder.
            var senderIsResponder = isSynAck || (!isSyn && sourcePort < 1024 && destinationPort >= 1024);
            connection = senderIsResponder
                ? Open(Transport.Tcp, datagram.Destination, destinationPort, datagram.Source, sourcePort, datagram.Time, KddServices.ForTcp(sourcePort))
                : Open(Transport.Tcp, datagram.Source, sourcePort, datagram.Destination, destinationPort, datagram.Time, KddServices.ForTcp(destinationPort));
            fromOriginator = !senderIsResponder;
            connection.Content = ContentCapture.For(connection.Service);
        }

        Touch(connection, datagram, payload.Length, fromOriginator);
        connection.Urgent += (flags & TcpUrg) != 0 ? 1 : 0;
        connection.Content?.Append(fromOriginator, payload);
        if (fromOriginator)
        {
            connection.OriginatorSyn |= isSyn && !isSynAck;
            connection.OriginatorFin |= (flags & TcpFin) != 0;
            connection.OriginatorRst |= (flags & TcpRst) != 0 && !connection.ResponderRst;
        }
        else
        {
            connection.ResponderSynAck |= isSynAck;
            connection.ResponderFin |= (flags & TcpFin) != 0;
            connection.ResponderRst |= (flags & TcpRst) != 0 && !connection.OriginatorRst;
        }

        if (connection.ClosedAt is null && ((flags & TcpRst) != 0 || (connection.OriginatorFin && connection.ResponderFin)))
        {
            connection.ClosedAt = datagram.Time;
            _deadlines.Enqueue(connection, Deadline(connection)); // sooner than the idle deadline queued before
        }
    }

    private void AddUdp(in IpDatagram datagram, byte[] bytes)
    {
        var sourcePort = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        var destinationPort = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2));
        var connection = Find(datagram.Time, Transport.Udp, datagram.Source, sourcePort, datagram.Destination, destinationPort, out var fromOriginator);
        if (connection is null)
        {
            connection = Open(Transport.Udp, datagram.Source, sourcePort, datagram.Destination, destinationPort, datagram.Time, KddServices.ForUdp(destinationPort));
            fromOriginator = true;
        }

        Touch(connection, datagram, bytes.Length - 8, fromOriginator);
    }

    private void AddIcmp(in IpDatagram datagram, byte[] bytes)
    {
        var connection = new Connection(Transport.Icmp, datagram.Source, 0, datagram.Destination, 0, datagram.Time, KddServices.ForIcmp(bytes[0], bytes[1]))
        {
            SrcBytes = bytes.Length,
            WrongFragments = datagram.WrongFragments,
        };
        Finish(connection);
    }

    private Connection? Find(double now, Transport transport, UInt128 source, int sourcePort, UInt128 destination, int destinationPort, out bool fromOriginator)
    {
        fromOriginator = _open.TryGetValue((transport, source, sourcePort, destination, destinationPort), out var connection);
        if (!fromOriginator)
        {
            connection = _open.GetValueOrDefault((transport, destination, destinationPort, source, sourcePort));
        }

        // Timeouts are swept once a second; a packet after a connection's deadline must not extend it.
        if (connection is not null && now > Deadline(connection))
        {
            Finish(connection);
            return null;
        }

        return connection;
    }

    private Connection Open(Transport transport, UInt128 originator, int originatorPort, UInt128 responder, int responderPort, double time, string service)
    {
        var connection = new Connection(transport, originator, originatorPort, responder, responderPort, time, service);
        _open[(transport, originator, originatorPort, responder, responderPort)] = connection;
        _deadlines.Enqueue(connection, Deadline(connection));
        _openByStart.Enqueue(connection, time);
        return connection;
    }

    private static void Touch(Connection connection, in IpDatagram datagram, int payloadLength, bool fromOriginator)
    {
        connection.Last = Math.Max(connection.Last, datagram.Time);
        connection.WrongFragments += datagram.WrongFragments;
        if (fromOriginator)
        {
            connection.SrcBytes += payloadLength;
        }
        else
        {
            connection.DstBytes += payloadLength;
        }
    }

    private void Finish(Connection connection)
    {
        if (connection.Emitted)
        {
            return;
        }

        connection.Emitted = true;
        _open.Remove((connection.Transport, connection.Originator, connection.OriginatorPort, connection.Responder, connection.ResponderPort));
        _finished.Enqueue(connection, connection.Start);
    }

    private static double Deadline(Connection connection) =>
        connection.ClosedAt is { } closed ? closed + ClosedLinger
        : connection.Transport == Transport.Udp ? connection.Last + UdpTimeout
        : connection.ResponderSynAck ? connection.Last + TcpIdleTimeout
        : connection.Last + TcpHandshakeTimeout;
}
