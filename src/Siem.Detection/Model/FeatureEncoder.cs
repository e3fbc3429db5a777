using Siem.Domain.Records;

namespace Siem.Detection.Model;

/// <summary>Turns records into the float vectors the model reads (see <see cref="FeatureEncoding"/>).</summary>
public sealed class FeatureEncoder
{
    private readonly bool[] _logTransformed;
    private readonly Dictionary<string, int> _protocols;
    private readonly Dictionary<string, int> _flags;
    private readonly Dictionary<string, int> _services;
    private readonly int _protocolOffset;
    private readonly int _flagOffset;
    private readonly int _serviceOffset;

    public FeatureEncoder(FeatureEncoding encoding)
    {
        if (!encoding.Numeric.SequenceEqual(KddFeatures.Numeric.Select(f => f.Name)))
        {
            throw new InvalidDataException("The model's numeric inputs are not the 38 KDD numeric features in documented order.");
        }

        Encoding = encoding;
        _logTransformed = encoding.Numeric.Select(n => encoding.LogTransformed.Contains(n)).ToArray();
        _protocols = Index(encoding.Protocols, StringComparer.OrdinalIgnoreCase);
        _flags = Index(encoding.Flags, StringComparer.OrdinalIgnoreCase);
        _services = Index(encoding.Services, StringComparer.Ordinal);
        _protocolOffset = encoding.Numeric.Count;
        _flagOffset = _protocolOffset + encoding.Protocols.Count;
        _serviceOffset = _flagOffset + encoding.Flags.Count;
    }

    public FeatureEncoding Encoding { get; }

    public int Length => Encoding.Length;

    /// <summary>True when the record's service was never seen in training.</summary>
    public bool IsUnseenService(ConnectionRecord record) => !_services.ContainsKey(record.Service);

    /// <summary>Writes one record's encoding into <paramref name="destination"/> (exactly <see cref="Length"/> floats).</summary>
    public void Encode(ConnectionRecord record, Span<float> destination)
    {
        destination = destination[..Length];
        destination.Clear();
        Span<double> numeric = stackalloc double[KddFeatures.NumericCount];
        record.CopyNumericFeaturesTo(numeric);
        for (var i = 0; i < numeric.Length; i++)
        {
            destination[i] = (float)(_logTransformed[i] ? Math.Log(1 + numeric[i]) : numeric[i]);
        }

        if (_protocols.TryGetValue(record.ProtocolType, out var protocol))
        {
            destination[_protocolOffset + protocol] = 1;
        }

        if (_flags.TryGetValue(record.Flag, out var flag))
        {
            destination[_flagOffset + flag] = 1;
        }

        if (_services.TryGetValue(record.Service, out var service))
        {
            destination[_serviceOffset + service] = 1;
        }
    }

    /// <summary>Length of <see cref="WriteKey"/>'s output: the 38 numeric features and the three name indexes.</summary>
    public const int KeyLength = KddFeatures.NumericCount + 3;

    /// <summary>
    /// A compact identity of the record as the model sees it: two records with equal keys encode to equal
    /// vectors (numeric values, then the protocol, flag and service indexes, -1 for a name never seen).
    /// </summary>
    public void WriteKey(ConnectionRecord record, Span<float> key)
    {
        Span<double> numeric = stackalloc double[KddFeatures.NumericCount];
        record.CopyNumericFeaturesTo(numeric);
        for (var i = 0; i < numeric.Length; i++)
        {
            key[i] = (float)numeric[i];
        }

        key[KddFeatures.NumericCount] = _protocols.TryGetValue(record.ProtocolType, out var protocol) ? protocol : -1;
        key[KddFeatures.NumericCount + 1] = _flags.TryGetValue(record.Flag, out var flag) ? flag : -1;
        key[KddFeatures.NumericCount + 2] = _services.TryGetValue(record.Service, out var service) ? service : -1;
    }

    public float[] Encode(ConnectionRecord record)
    {
        var vector = new float[Length];
        Encode(record, vector);
        return vector;
    }

    private static Dictionary<string, int> Index(IReadOnlyList<string> names, StringComparer comparer) =>
        names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, comparer);
}
