namespace Siem.Capture;

/// <summary>
/// Puts fragmented IPv4 datagrams back together. A fragment is "wrong" (KDD's wrong_fragment) when it
/// overlaps one already seen (teardrop), reaches past the 65,535-byte IP limit (ping of death), or
/// is a non-final fragment whose length is not a multiple of 8. Datagrams still incomplete after
/// <see cref="Timeout"/> seconds are given up; their first fragment, if seen, still counts.
/// </summary>
internal sealed class FragmentReassembler
{
    public const double Timeout = 30;
    private const int MaxDatagram = 65535;
    private const int MaxPending = 10_000;

    private readonly Dictionary<(UInt128 Source, UInt128 Destination, ushort Id, int Protocol), Pending> _pending = new();

    public long Abandoned { get; private set; }

    /// <summary>Adds one fragment; returns the datagram once it is complete.</summary>
    public IpDatagram? Add(double time, UInt128 source, UInt128 destination, ushort id, int protocol, int offsetBytes, bool moreFragments, byte[] data)
    {
        var key = (source, destination, id, protocol);
        if (!_pending.TryGetValue(key, out var pending))
        {
            if (_pending.Count >= MaxPending)
            {
                ExpireOldest();
            }

            pending = new Pending(time);
            _pending[key] = pending;
        }

        var end = offsetBytes + data.Length;
        var wrong = end > MaxDatagram || (moreFragments && data.Length % 8 != 0) || pending.Overlaps(offsetBytes, end);
        pending.Add(offsetBytes, data, wrong);
        if (!moreFragments)
        {
            pending.TotalLength = end;
        }

        if (!pending.IsComplete)
        {
            return null;
        }

        _pending.Remove(key);
        return new IpDatagram(pending.FirstTime, source, destination, protocol, pending.Assemble(), pending.WrongFragments);
    }

    /// <summary>Gives up datagrams older than the timeout (or all at the end of a capture).</summary>
    public IEnumerable<IpDatagram> Expire(double now, bool all = false)
    {
        List<IpDatagram>? given = null;
        foreach (var (key, pending) in _pending)
        {
            if (!all && now - pending.FirstTime < Timeout)
            {
                continue;
            }

            _pending.Remove(key);
            Abandoned++;
            if (pending.HasStart)
            {
                (given ??= []).Add(new IpDatagram(pending.FirstTime, key.Source, key.Destination, key.Protocol, pending.Assemble(), pending.WrongFragments));
            }
        }

        return given ?? [];
    }

    private void ExpireOldest()
    {
        var oldest = _pending.MinBy(p => p.Value.FirstTime).Key;
        _pending.Remove(oldest);
        Abandoned++;
    }

    private sealed class Pending(double firstTime)
    {
        private readonly List<(int Start, byte[] Data)> _fragments = [];

        public double FirstTime { get; } = firstTime;

        public int TotalLength { get; set; } = -1;

        public int WrongFragments { get; private set; }

        public bool HasStart => _fragments.Exists(f => f.Start == 0);

        public bool IsComplete
        {
            get
            {
                if (TotalLength < 0)
                {
                    return false;
                }

                var covered = 0;
                foreach (var (start, data) in _fragments.OrderBy(f => f.Start))
                {
                    if (start > covered)
                    {
                        return false;
                    }

                    covered = Math.Max(covered, start + data.Length);
                }

                return covered >= TotalLength;
            }
        }

        public bool Overlaps(int start, int end) => _fragments.Exists(f => start < f.Start + f.Data.Length && f.Start < end);

        public void Add(int start, byte[] data, bool wrong)
        {
            _fragments.Add((start, data));
            WrongFragments += wrong ? 1 : 0;
        }

        /// <summary>Lays the fragments out in arrival order (later bytes win overlaps), cut at the IP limit.</summary>
        public byte[] Assemble()
        {
            var length = Math.Min(MaxDatagram, _fragments.Max(f => f.Start + f.Data.Length));
            var whole = new byte[length];
            foreach (var (start, data) in _fragments)
            {
                if (start < length)
                {
                    data.AsSpan(0, Math.Min(data.Length, length - start)).CopyTo(whole.AsSpan(start));
                }
            }

            return whole;
        }
    }
}
