using System.Buffers.Binary;
using System.Net;

namespace Siem.Capture.Flows;

/// <summary>
/// Traffic as an exporter reported it (a NetFlow v9 or IPFIX data record), one direction, or both when an IPFIX
/// biflow (RFC 5103) carries the reverse direction's counters too. Times in Unix seconds.
/// </summary>
public readonly record struct ExportedFlow(
    IPAddress Source, IPAddress Destination, int SourcePort, int DestinationPort, int Protocol,
    long Octets, long Packets, byte TcpFlags, double Start, double End, bool IsIpv6, BiflowReverse? Reverse = null);

/// <summary>The reverse direction of an RFC 5103 biflow: from the destination back to the source.</summary>
public readonly record struct BiflowReverse(long Octets, long Packets, byte TcpFlags);

/// <summary>What decoding one datagram gave besides its flows.</summary>
/// <param name="Error">Why the datagram (or the rest of it) could not be read; flows before the damage are kept.</param>
/// <param name="UnknownTemplateSets">Data sets whose template this exporter has not sent (or let expire).</param>
public readonly record struct DecodeOutcome(int Version, string? Error, int UnknownTemplateSets, int TemplatesLearned);

/// <summary>
/// Decodes NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) datagrams: templates are learned per exporter address,
/// observation domain and template id, refreshed whenever the exporter resends them and forgotten after
/// <paramref name="templateLifetime"/> without a refresh (UDP gives no other way to learn a template was withdrawn);
/// data records are decoded with them. Every length is checked against the datagram: a malformed datagram is
/// reported, never read past. Options templates and their records are skipped. Not thread-safe: one decoder per reader.
/// </summary>
public sealed class FlowDecoder(TimeSpan templateLifetime, TimeProvider time, int maxTemplates = 4096)
{
    private const int NetFlowV9 = 9;
    private const int Ipfix = 10;
    private const long NtpToUnixSeconds = 2_208_988_800;

    private readonly Dictionary<TemplateKey, Template> _templates = [];
    private readonly Dictionary<DomainKey, double> _systemInit = [];

    public int TemplateCount => _templates.Count;

    /// <summary>Decodes <paramref name="datagram"/> from <paramref name="exporter"/>, adding its flows to <paramref name="flows"/>.</summary>
    public DecodeOutcome Decode(ReadOnlySpan<byte> datagram, IPAddress exporter, List<ExportedFlow> flows)
    {
        if (datagram.Length < 4)
        {
            return new DecodeOutcome(0, "shorter than a flow export header", 0, 0);
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(datagram);
        return version switch
        {
            NetFlowV9 => DecodeV9(datagram, exporter, flows),
            Ipfix => DecodeIpfix(datagram, exporter, flows),
            _ => new DecodeOutcome(version, $"version {version} is neither NetFlow v9 nor IPFIX (10)", 0, 0),
        };
    }

    private DecodeOutcome DecodeV9(ReadOnlySpan<byte> datagram, IPAddress exporter, List<ExportedFlow> flows)
    {
        if (datagram.Length < 20)
        {
            return new DecodeOutcome(NetFlowV9, "NetFlow v9 header cut short", 0, 0);
        }

        var clock = new ExportClock(
            BinaryPrimitives.ReadUInt32BigEndian(datagram[8..]) * 1000.0 - BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]));
        var domain = BinaryPrimitives.ReadUInt32BigEndian(datagram[16..]);
        return DecodeSets(datagram[20..], exporter, NetFlowV9, domain, clock, flows);
    }

    private DecodeOutcome DecodeIpfix(ReadOnlySpan<byte> datagram, IPAddress exporter, List<ExportedFlow> flows)
    {
        if (datagram.Length < 16)
        {
            return new DecodeOutcome(Ipfix, "IPFIX header cut short", 0, 0);
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if (length < 16 || length > datagram.Length)
        {
            return new DecodeOutcome(Ipfix, $"IPFIX message length {length} does not fit the {datagram.Length}-byte datagram", 0, 0);
        }

        var exportSeconds = BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]);
        var domain = BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]);
        return DecodeSets(datagram[16..length], exporter, Ipfix, domain, new ExportClock(exportSeconds * 1000.0, null), flows);
    }

    private DecodeOutcome DecodeSets(ReadOnlySpan<byte> sets, IPAddress exporter, int version, uint domain, ExportClock clock, List<ExportedFlow> flows)
    {
        int unknown = 0, learned = 0;
        var templateSet = version == NetFlowV9 ? 0 : 2;
        var optionsSet = version == NetFlowV9 ? 1 : 3;
        while (sets.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(sets);
            var length = BinaryPrimitives.ReadUInt16BigEndian(sets[2..]);
            if (length < 4 || length > sets.Length)
            {
                return new DecodeOutcome(version, $"set {id} says {length} bytes where {sets.Length} remain", unknown, learned);
            }

            var body = sets[4..length];
            sets = sets[length..];
            if (id == templateSet)
            {
                if (ReadTemplates(body, exporter, version, domain, ref learned) is { } error)
                {
                    return new DecodeOutcome(version, error, unknown, learned);
                }
            }
            else if (id == optionsSet)
            {
                // Options (sampling rates, interface names): their ids are remembered so their records are skipped quietly.
                if (ReadOptionsTemplates(body, exporter, version, domain, ref learned) is { } error)
                {
                    return new DecodeOutcome(version, error, unknown, learned);
                }
            }
            else if (id < 256)
            {
                continue; // reserved
            }
            else if (Lookup(new TemplateKey(exporter, version, domain, id)) is { } template)
            {
                var domainKey = new DomainKey(exporter, version, domain);
                if (template.IsOptions)
                {
                    // The exporter's boot time (systemInitTimeMilliseconds) anchors IPFIX uptime stamps; nothing else is used.
                    if (ReadData(body, template, version, clock, flows, out var init) is null && init is { } bootMs)
                    {
                        _systemInit[domainKey] = bootMs;
                    }

                    continue;
                }

                if (ReadData(body, template, version, clock with { SystemInitMs = _systemInit.TryGetValue(domainKey, out var boot) ? boot : null }, flows, out _) is { } error)
                {
                    return new DecodeOutcome(version, error, unknown, learned);
                }
            }
            else
            {
                unknown++;
            }
        }

        return new DecodeOutcome(version, null, unknown, learned);
    }

    private Template? Lookup(TemplateKey key)
    {
        if (!_templates.TryGetValue(key, out var template))
        {
            return null;
        }

        if (time.GetUtcNow() - template.Learned > templateLifetime)
        {
            _templates.Remove(key);
            return null;
        }

        return template;
    }

    private string? ReadTemplates(ReadOnlySpan<byte> body, IPAddress exporter, int version, uint domain, ref int learned)
    {
        while (body.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(body);
            var count = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
            body = body[4..];
            if (id < 256)
            {
                return id == 0 && count == 0 ? null : $"template id {id} is below 256"; // zeros: padding
            }

            if ((ReadFields(ref body, "template", id, count, scopeCount: 0, version, out var fields) ?? Keep(exporter, version, domain, id, fields, isOptions: false, ref learned)) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private string? ReadOptionsTemplates(ReadOnlySpan<byte> body, IPAddress exporter, int version, uint domain, ref int learned)
    {
        while (body.Length >= 6)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(body);
            if (id < 256)
            {
                return id == 0 ? null : $"options template id {id} is below 256";
            }

            // v9: id, scope length, options length (in bytes of 4-byte field specifiers); IPFIX: id, field count, scope field count.
            var (scopeCount, count) = version == NetFlowV9
                ? (BinaryPrimitives.ReadUInt16BigEndian(body[2..]) / 4, (BinaryPrimitives.ReadUInt16BigEndian(body[2..]) + BinaryPrimitives.ReadUInt16BigEndian(body[4..])) / 4)
                : (BinaryPrimitives.ReadUInt16BigEndian(body[4..]), BinaryPrimitives.ReadUInt16BigEndian(body[2..]));
            body = body[6..];
            if (ReadFields(ref body, "options template", id, count, scopeCount, version, out var fields) is { } error)
            {
                return error;
            }

            Keep(exporter, version, domain, id, fields, isOptions: true, ref learned); // options past the cap are only skipped as unknown
        }

        return null;
    }

    /// <summary>
    /// A template's field specifiers (IPFIX: an enterprise number follows a type with its top bit set). Enterprise fields,
    /// except RFC 5103's reverse elements (enterprise 29305), and scope fields are marked to be skipped by length (v9
    /// scope types reuse small numbers).
    /// </summary>
    private static string? ReadFields(ref ReadOnlySpan<byte> body, string what, int id, int count, int scopeCount, int version, out TemplateField[] fields)
    {
        fields = new TemplateField[count];
        for (var i = 0; i < count; i++)
        {
            if (body.Length < 4)
            {
                return $"{what} {id} cut short in field {i + 1} of {count}";
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(body);
            var length = BinaryPrimitives.ReadUInt16BigEndian(body[2..]);
            body = body[4..];
            var enterprise = version == Ipfix && (type & 0x8000) != 0;
            var reverse = false;
            if (enterprise)
            {
                if (body.Length < 4)
                {
                    return $"{what} {id} cut short in field {i + 1} of {count}";
                }

                reverse = BinaryPrimitives.ReadUInt32BigEndian(body) == ReverseEnterprise;
                body = body[4..];
            }

            if (length == 0 || (length == VariableLength && version != Ipfix))
            {
                return $"{what} {id} field {type & 0x7FFF} has length {length}";
            }

            fields[i] = new TemplateField((ushort)(type & 0x7FFF), length, (enterprise && !reverse) || i < scopeCount, reverse);
        }

        return null;
    }

    private string? Keep(IPAddress exporter, int version, uint domain, int id, TemplateField[] fields, bool isOptions, ref int learned)
    {
        var key = new TemplateKey(exporter, version, domain, id);
        if (_templates.Count >= maxTemplates && !_templates.ContainsKey(key))
        {
            return $"over {maxTemplates} templates known: template {id} not kept";
        }

        _templates[key] = new Template(fields, time.GetUtcNow(), isOptions);
        learned++;
        return null;
    }

    private const ushort VariableLength = 65535;

    /// <summary>Reads a data set's records; flows go to <paramref name="flows"/>, a systemInitTimeMilliseconds value to <paramref name="systemInitMs"/>.</summary>
    private static string? ReadData(ReadOnlySpan<byte> body, Template template, int version, ExportClock clock, List<ExportedFlow> flows, out double? systemInitMs)
    {
        systemInitMs = null;
        var minimum = template.MinimumLength;
        while (body.Length >= Math.Max(minimum, 1))
        {
            var record = new FlowFields();
            foreach (var field in template.Fields)
            {
                int length = field.Length;
                if (length == VariableLength)
                {
                    if (body.Length < 1)
                    {
                        return "variable-length field cut short";
                    }

                    length = body[0];
                    body = body[1..];
                    if (length == 255)
                    {
                        if (body.Length < 2)
                        {
                            return "variable-length field cut short";
                        }

                        length = BinaryPrimitives.ReadUInt16BigEndian(body);
                        body = body[2..];
                    }
                }

                if (body.Length < length)
                {
                    return $"data record cut short in field {field.Type}";
                }

                if (!field.Skipped)
                {
                    if (field.Reverse)
                    {
                        record.SetReverse(field.Type, body[..length]);
                    }
                    else
                    {
                        record.Set(field.Type, body[..length]);
                    }
                }

                body = body[length..];
            }

            systemInitMs = record.SystemInitMs ?? systemInitMs;
            if (!template.IsOptions && record.ToFlow(clock, version) is { } flow)
            {
                flows.Add(flow);
            }

            if (minimum == 0)
            {
                break; // a template of variable-length fields only: without a fixed size, padding is not told apart
            }
        }

        return null;
    }

    private readonly record struct DomainKey(IPAddress Exporter, int Version, uint Domain);

    private readonly record struct TemplateKey(IPAddress Exporter, int Version, uint Domain, int Id);

    private readonly record struct TemplateField(ushort Type, ushort Length, bool Skipped, bool Reverse = false);

    /// <summary>RFC 5103: the reverse direction's information elements carry this private enterprise number.</summary>
    private const uint ReverseEnterprise = 29305;

    private sealed class Template(TemplateField[] fields, DateTimeOffset learned, bool isOptions = false)
    {
        public bool IsOptions { get; } = isOptions;
        public TemplateField[] Fields { get; } = fields;
        public DateTimeOffset Learned { get; } = learned;
        public int MinimumLength { get; } = fields.Sum(f => f.Length == VariableLength ? 1 : f.Length);
    }

    /// <summary>
    /// The export's time base: NetFlow v9 stamps flows in milliseconds of the exporter's uptime, anchored by the header's
    /// Unix seconds and uptime; IPFIX uses absolute times, or uptime with systemInitTimeMilliseconds.
    /// </summary>
    private readonly record struct ExportClock(double ExportMs, uint? UptimeMs, double? SystemInitMs = null)
    {
        public double FromUptime(uint uptime) => UptimeMs is { } now ? ExportMs + (int)(uptime - now) : ExportMs;
    }

    /// <summary>The information elements a KDD record needs, by IANA number.</summary>
    private struct FlowFields
    {
        private IPAddress? _source, _destination;
        private bool _ipv6;
        private int _sourcePort, _destinationPort, _protocol = -1, _icmp = -1, _icmpType = -1, _icmpCode = -1;
        private long _octets, _packets;
        private byte _flags;
        private long? _reverseOctets, _reversePackets;
        private byte _reverseFlags;
        private uint? _startUptime, _endUptime;
        private double? _startMs, _endMs, _systemInitMs;

        public FlowFields()
        {
        }

        public readonly double? SystemInitMs => _systemInitMs;

        /// <summary>A reverse element (RFC 5103) of a biflow: the counters of the destination's answer.</summary>
        public void SetReverse(ushort type, ReadOnlySpan<byte> value)
        {
            switch (type)
            {
                case 1 or 85: _reverseOctets = (long)Unsigned(value); break;
                case 2 or 86: _reversePackets = (long)Unsigned(value); break;
                case 6: _reverseFlags = (byte)Unsigned(value); break;
            }
        }

        public void Set(ushort type, ReadOnlySpan<byte> value)
        {
            switch (type)
            {
                case 1 or 85: _octets = (long)Unsigned(value); break; // octetDeltaCount, octetTotalCount
                case 2 or 86: _packets = (long)Unsigned(value); break;
                case 4: _protocol = (int)Unsigned(value); break;
                case 6: _flags = (byte)Unsigned(value); break; // tcpControlBits (the low byte holds FIN..URG)
                case 7: _sourcePort = (int)Unsigned(value); break;
                case 11: _destinationPort = (int)Unsigned(value); break;
                case 8 when value.Length == 4: _source = new IPAddress(value); break;
                case 12 when value.Length == 4: _destination = new IPAddress(value); break;
                case 27 when value.Length == 16: (_source, _ipv6) = (new IPAddress(value), true); break;
                case 28 when value.Length == 16: (_destination, _ipv6) = (new IPAddress(value), true); break;
                case 32 or 139: _icmp = (int)Unsigned(value); break; // icmpTypeCode: type * 256 + code
                case 176 or 178: _icmpType = (int)Unsigned(value); break;
                case 177 or 179: _icmpCode = (int)Unsigned(value); break;
                case 21: _endUptime = (uint)Unsigned(value); break; // flowEndSysUpTime
                case 22: _startUptime = (uint)Unsigned(value); break;
                case 150: _startMs = Unsigned(value) * 1000.0; break; // flowStartSeconds
                case 151: _endMs = Unsigned(value) * 1000.0; break;
                case 152: _startMs = Unsigned(value); break; // flowStartMilliseconds
                case 153: _endMs = Unsigned(value); break;
                case 154 or 156 when value.Length == 8: _startMs = NtpMs(value); break; // micro- and nanoseconds: NTP format
                case 155 or 157 when value.Length == 8: _endMs = NtpMs(value); break;
                case 160: _systemInitMs = Unsigned(value); break;
            }
        }

        public readonly ExportedFlow? ToFlow(ExportClock clock, int version)
        {
            if (_source is null || _destination is null || _protocol < 0)
            {
                return null; // not a flow of addresses (an options record, or a template without them)
            }

            var init = version == Ipfix ? _systemInitMs ?? clock.SystemInitMs : null;
            var start = Time(_startMs, _startUptime, init, clock);
            var end = Math.Max(start, Time(_endMs, _endUptime, init, clock));
            int sourcePort = _sourcePort, destinationPort = _destinationPort;
            if (_protocol is 1 or 58)
            {
                // ICMP: the "ports" are type and code, from whichever element the exporter used (some put type * 256 + code in the destination port).
                var typeCode = _icmp >= 0 ? _icmp : _icmpType >= 0 ? _icmpType * 256 + Math.Max(_icmpCode, 0) : _destinationPort;
                (sourcePort, destinationPort) = (typeCode >> 8, typeCode & 0xFF);
            }

            var reverse = _reverseOctets is not null || _reversePackets is not null
                ? new BiflowReverse(_reverseOctets ?? 0, _reversePackets ?? 0, _reverseFlags)
                : (BiflowReverse?)null;
            return new ExportedFlow(_source, _destination, sourcePort, destinationPort, _protocol, _octets, _packets, _flags, start / 1000, end / 1000, _ipv6, reverse);
        }

        // Uptime stamps are read as signed 32-bit offsets: softflowd stamps flows that began before its own start (a
        // replayed capture) as "negative" uptimes, and a real uptime wraps after 49.7 days the same way.
        private static double Time(double? absolute, uint? uptime, double? systemInitMs, ExportClock clock) =>
            absolute ?? (uptime is { } u ? (systemInitMs is { } init ? init + (int)u : clock.FromUptime(u)) : clock.ExportMs);

        private static ulong Unsigned(ReadOnlySpan<byte> value)
        {
            ulong result = 0;
            foreach (var b in value.Length > 8 ? value[^8..] : value)
            {
                result = (result << 8) | b;
            }

            return result;
        }

        private static double NtpMs(ReadOnlySpan<byte> value) =>
            ((long)BinaryPrimitives.ReadUInt32BigEndian(value) - NtpToUnixSeconds) * 1000.0 + BinaryPrimitives.ReadUInt32BigEndian(value[4..]) / 4294967.296;
    }
}
