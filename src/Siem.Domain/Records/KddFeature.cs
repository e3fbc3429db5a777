namespace Siem.Domain.Records;

/// <summary>How a KDD feature is typed and validated.</summary>
public enum FeatureKind
{
    /// <summary>Non-negative real value (duration, byte counts).</summary>
    Continuous,
    /// <summary>A name: protocol_type, service or flag.</summary>
    Symbolic,
    /// <summary>0 or 1.</summary>
    Binary,
    /// <summary>Non-negative whole number.</summary>
    Count,
    /// <summary>A fraction in [0, 1].</summary>
    Rate,
}

/// <summary>One of the 41 KDD Cup 99 features, by its documented position and name.</summary>
public sealed record KddFeature(int Index, string Name, FeatureKind Kind)
{
    public bool IsNumeric => Kind != FeatureKind.Symbolic;
}

/// <summary>The 41 KDD Cup 99 features in their documented order.</summary>
public static class KddFeatures
{
    public const int Count = 41;

    /// <summary>Number of numeric features (all but protocol_type, service and flag).</summary>
    public const int NumericCount = 38;

    public const int ProtocolTypeIndex = 1;
    public const int ServiceIndex = 2;
    public const int FlagIndex = 3;

    public static IReadOnlyList<KddFeature> All { get; } = Build(
        ("duration", FeatureKind.Continuous),
        ("protocol_type", FeatureKind.Symbolic),
        ("service", FeatureKind.Symbolic),
        ("flag", FeatureKind.Symbolic),
        ("src_bytes", FeatureKind.Count),
        ("dst_bytes", FeatureKind.Count),
        ("land", FeatureKind.Binary),
        ("wrong_fragment", FeatureKind.Count),
        ("urgent", FeatureKind.Count),
        ("hot", FeatureKind.Count),
        ("num_failed_logins", FeatureKind.Count),
        ("logged_in", FeatureKind.Binary),
        ("num_compromised", FeatureKind.Count),
        ("root_shell", FeatureKind.Count),
        ("su_attempted", FeatureKind.Count),
        ("num_root", FeatureKind.Count),
        ("num_file_creations", FeatureKind.Count),
        ("num_shells", FeatureKind.Count),
        ("num_access_files", FeatureKind.Count),
        ("num_outbound_cmds", FeatureKind.Count),
        ("is_host_login", FeatureKind.Binary),
        ("is_guest_login", FeatureKind.Binary),
        ("count", FeatureKind.Count),
        ("srv_count", FeatureKind.Count),
        ("serror_rate", FeatureKind.Rate),
        ("srv_serror_rate", FeatureKind.Rate),
        ("rerror_rate", FeatureKind.Rate),
        ("srv_rerror_rate", FeatureKind.Rate),
        ("same_srv_rate", FeatureKind.Rate),
        ("diff_srv_rate", FeatureKind.Rate),
        ("srv_diff_host_rate", FeatureKind.Rate),
        ("dst_host_count", FeatureKind.Count),
        ("dst_host_srv_count", FeatureKind.Count),
        ("dst_host_same_srv_rate", FeatureKind.Rate),
        ("dst_host_diff_srv_rate", FeatureKind.Rate),
        ("dst_host_same_src_port_rate", FeatureKind.Rate),
        ("dst_host_srv_diff_host_rate", FeatureKind.Rate),
        ("dst_host_serror_rate", FeatureKind.Rate),
        ("dst_host_srv_serror_rate", FeatureKind.Rate),
        ("dst_host_rerror_rate", FeatureKind.Rate),
        ("dst_host_srv_rerror_rate", FeatureKind.Rate));

    /// <summary>The 38 numeric features in documented order (the model's numeric input order).</summary>
    public static IReadOnlyList<KddFeature> Numeric { get; } = All.Where(f => f.IsNumeric).ToArray();

    public static IReadOnlyList<string> Names { get; } = All.Select(f => f.Name).ToArray();

    private static readonly Dictionary<string, KddFeature> ByName =
        All.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);

    public static KddFeature? Find(string name) => ByName.GetValueOrDefault(name.Trim());

    private static KddFeature[] Build(params (string Name, FeatureKind Kind)[] features) =>
        features.Select((f, i) => new KddFeature(i, f.Name, f.Kind)).ToArray();
}
