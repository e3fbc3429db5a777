using Siem.Domain.Records;

namespace Siem.Detection.Model;

/// <summary>
/// The model's input layout: the 38 numeric features (log1p for the heavy-tailed ones), then one-hot
/// protocol, flag and service. A service never seen in training encodes as all zeros in the service
/// block, so new services are valid input. Training and inference share this one definition.
/// </summary>
public sealed record FeatureEncoding
{
    public required IReadOnlyList<string> Numeric { get; init; }
    public required IReadOnlyList<string> LogTransformed { get; init; }
    public required IReadOnlyList<string> Protocols { get; init; }
    public required IReadOnlyList<string> Flags { get; init; }
    public required IReadOnlyList<string> Services { get; init; }

    public int Length => Numeric.Count + Protocols.Count + Flags.Count + Services.Count;

    /// <summary>Heavy-tailed features: durations, byte counts and connection counts.</summary>
    public static IReadOnlyList<string> DefaultLogTransformed { get; } = KddFeatures.Numeric
        .Where(f => f.Kind is FeatureKind.Continuous or FeatureKind.Count)
        .Select(f => f.Name)
        .ToArray();

    public static FeatureEncoding ForServices(IEnumerable<string> services) => new()
    {
        Numeric = KddFeatures.Numeric.Select(f => f.Name).ToArray(),
        LogTransformed = DefaultLogTransformed,
        Protocols = ConnectionVocabulary.Protocols,
        Flags = ConnectionVocabulary.Flags,
        Services = services.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
    };

    /// <summary>Names of every encoded column, in order (for the card and for explanations).</summary>
    public IEnumerable<string> ColumnNames() =>
        Numeric.Select(n => LogTransformed.Contains(n) ? $"log1p({n})" : n)
            .Concat(Protocols.Select(p => $"protocol_type={p}"))
            .Concat(Flags.Select(f => $"flag={f}"))
            .Concat(Services.Select(s => $"service={s}"));
}
