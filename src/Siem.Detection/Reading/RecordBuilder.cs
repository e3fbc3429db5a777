using System.Buffers;
using System.Globalization;
using System.Net;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Detection.Reading;

/// <summary>
/// Validates field values and builds a <see cref="ConnectionRecord"/>; every input format (CSV, NDJSON)
/// feeds it text, so the rules and the error messages are the same everywhere. One instance per reader:
/// it reuses a buffer and pools the few names (services, labels) that repeat on every line.
/// </summary>
internal sealed class RecordBuilder
{
    public const string Timestamp = "timestamp";
    public const string SrcIp = "src_ip";
    public const string DstIp = "dst_ip";
    public const string SrcPort = "src_port";
    public const string DstPort = "dst_port";
    public const string Uid = "uid";
    public const string CommunityId = "community_id";
    public static readonly string[] MetadataNames = [Timestamp, SrcIp, DstIp, SrcPort, DstPort, Uid, CommunityId];

    /// <summary>Longest uid or community id kept (Zeek uids are 18 characters, Community IDs 30).</summary>
    public const int MaxFlowIdLength = 64;
    public static readonly string[] LabelNames = ["label", "class", "attack", "attack_type"];

    private const int MaxServiceNameLength = 64;
    private const int MaxPooledNames = 4096;

    // Byte counts are 64-bit; every other count fits a 32-bit integer.
    private const double MaxMagnitude = 1e15;

    private static readonly SearchValues<char> ServiceNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./");

    private readonly double[] _numeric = new double[KddFeatures.NumericCount];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _labelsAsWritten = new(StringComparer.Ordinal);
    private string? _protocol;
    private string? _service;
    private string? _flag;
    private string? _label;
    private DateTimeOffset? _timestamp;
    private IPAddress? _srcIp;
    private IPAddress? _dstIp;
    private int? _srcPort;
    private int? _dstPort;
    private string? _uid;
    private string? _communityId;

    public void Reset()
    {
        (_protocol, _service, _flag, _label) = (null, null, null, null);
        (_timestamp, _srcIp, _dstIp, _srcPort, _dstPort, _uid, _communityId) = (null, null, null, null, null, null, null);
    }

    /// <summary>Sets one of the 41 features from its text; returns the error ("src_bytes: ...") or null.</summary>
    public string? SetFeature(KddFeature feature, ReadOnlySpan<char> text)
    {
        text = text.Trim();
        var error = feature.Kind == FeatureKind.Symbolic
            ? feature.Index switch
            {
                KddFeatures.ProtocolTypeIndex => ParseClosedName(text, ConnectionVocabulary.Protocols, "protocol", out _protocol),
                KddFeatures.FlagIndex => ParseClosedName(text, ConnectionVocabulary.Flags, "flag", out _flag),
                _ => ParseService(text, out _service),
            }
            : ParseNumber(text, feature.Kind, out _numeric[NumericSlot(feature)]);
        return error is null ? null : $"{feature.Name}: {error}";
    }

    public string? SetLabel(ReadOnlySpan<char> text)
    {
        // The same few label spellings ("smurf.") repeat on every line: normalise each once.
        var known = _labelsAsWritten.GetAlternateLookup<ReadOnlySpan<char>>();
        if (known.TryGetValue(text, out var pooled))
        {
            _label = pooled;
            return null;
        }

        var label = KddLabels.Normalize(text.ToString());
        if (label is null)
        {
            return "label: empty";
        }

        _label = Pool(label);
        if (_labelsAsWritten.Count < MaxPooledNames)
        {
            _labelsAsWritten[text.ToString()] = _label;
        }

        return null;
    }

    /// <summary>Sets a metadata value by its column/key name; empty text means "not given".</summary>
    public string? SetMetadata(string name, ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.IsEmpty)
        {
            return null;
        }

        switch (name)
        {
            case Timestamp:
                if (!TryParseTimestamp(text, out var timestamp))
                {
                    return $"timestamp: '{Clip(text)}' is neither ISO 8601 nor Unix seconds";
                }

                _timestamp = timestamp;
                return null;
            case SrcIp or DstIp:
                if (!IPAddress.TryParse(text, out var address))
                {
                    return $"{name}: '{Clip(text)}' is not an IP address";
                }

                if (name == SrcIp)
                {
                    _srcIp = address;
                }
                else
                {
                    _dstIp = address;
                }

                return null;
            case SrcPort or DstPort:
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > ushort.MaxValue)
                {
                    return $"{name}: '{Clip(text)}' is not a port (0-65535)";
                }

                if (name == SrcPort)
                {
                    _srcPort = port;
                }
                else
                {
                    _dstPort = port;
                }

                return null;
            case Uid or CommunityId:
                if (CheckFlowId(name, text) is { } problem)
                {
                    return problem;
                }

                if (name == Uid)
                {
                    _uid = text.ToString();
                }
                else
                {
                    _communityId = text.ToString();
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>Null when <paramref name="text"/> is a plausible uid or Community ID, else the error.</summary>
    internal static string? CheckFlowId(string name, ReadOnlySpan<char> text) =>
        text.Length > MaxFlowIdLength || text.ContainsAnyExcept(FlowIdChars)
            ? $"{name}: '{Clip(text)}' is not a flow id (up to {MaxFlowIdLength} letters, digits and + / = : - _ .)"
            : null;

    private static readonly SearchValues<char> FlowIdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=:-_.");

    public ConnectionRecord Build() => ConnectionRecord.FromFeatures(_protocol!, _service!, _flag!, _numeric) with
    {
        Label = _label,
        Timestamp = _timestamp,
        SrcIp = _srcIp,
        DstIp = _dstIp,
        SrcPort = _srcPort,
        DstPort = _dstPort,
        Uid = _uid,
        CommunityId = _communityId,
    };

    internal static bool TryParseTimestamp(ReadOnlySpan<char> text, out DateTimeOffset timestamp)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            // Unix seconds (fractions allowed); anything outside the representable range is an error.
            const double maxSeconds = 253402300799; // 9999-12-31T23:59:59Z
            if (seconds is >= 0 and <= maxSeconds)
            {
                timestamp = DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
                return true;
            }

            timestamp = default;
            return false;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp);
    }

    /// <summary>Quotes at most 40 characters of a bad value so error messages stay readable.</summary>
    internal static string Clip(ReadOnlySpan<char> text) => text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "...");

    private static int NumericSlot(KddFeature feature) =>
        feature.Index == 0 ? 0 : feature.Index - 3; // duration, then the features after protocol, service and flag

    private static string? ParseNumber(ReadOnlySpan<char> cell, FeatureKind kind, out double value)
    {
        if (!PlainDecimal.TryParse(cell, out value)
            && (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value)))
        {
            return cell.IsEmpty ? "empty value" : $"'{Clip(cell)}' is not a number";
        }

        return kind switch
        {
            _ when value < 0 => $"must not be negative ({Clip(cell)})",
            _ when value > MaxMagnitude => $"{Clip(cell)} is too large",
            FeatureKind.Rate when value > 1 => $"{Clip(cell)} is outside [0, 1]",
            FeatureKind.Binary when value is not (0 or 1) => $"must be 0 or 1 ({Clip(cell)})",
            FeatureKind.Count when value != Math.Floor(value) => $"must be a whole number ({Clip(cell)})",
            _ => null,
        };
    }

    private static string? ParseClosedName(ReadOnlySpan<char> cell, IReadOnlyList<string> allowed, string what, out string? value)
    {
        foreach (var name in allowed)
        {
            if (cell.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = name;
                return null;
            }
        }

        value = null;
        return cell.IsEmpty ? "empty value" : $"unknown {what} '{Clip(cell)}' (expected one of {string.Join(", ", allowed)})";
    }

    private string? ParseService(ReadOnlySpan<char> cell, out string? value)
    {
        value = null;
        if (cell.IsEmpty)
        {
            return "empty value";
        }

        if (cell.Length > MaxServiceNameLength || cell.ContainsAnyExcept(ServiceNameChars))
        {
            return $"'{Clip(cell)}' is not a service name";
        }

        value = Pool(cell);
        return null;
    }

    private string Pool(ReadOnlySpan<char> text)
    {
        var lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        var created = text.ToString();
        if (_names.Count < MaxPooledNames)
        {
            _names[created] = created;
        }

        return created;
    }
}
