using Siem.Domain.Records;

namespace Siem.Detection.Reading;

/// <summary>Where each KDD feature, the label and the metadata sit in a row.</summary>
internal sealed class ColumnLayout
{
    private static readonly string[] LabelNames = RecordBuilder.LabelNames;
    private static readonly string[] MetadataNames = RecordBuilder.MetadataNames;

    public required int[] FeatureColumns { get; init; }
    public int LabelColumn { get; init; } = -1;

    /// <summary>Metadata columns present, by name (timestamp, src_ip, dst_ip, src_port, dst_port).</summary>
    public IReadOnlyList<(string Name, int Column)> MetadataColumns { get; init; } = [];

    /// <summary>Column count every row must have; null for header-less files (41 or 42 accepted).</summary>
    public int? ExpectedColumns { get; init; }

    public static ColumnLayout Positional { get; } = new() { FeatureColumns = Enumerable.Range(0, KddFeatures.Count).ToArray() };

    /// <summary>A first row is a header when any of its cells names a KDD feature, the label or a metadata column.</summary>
    public static bool LooksLikeHeader(IReadOnlyList<string> cells) =>
        cells.Any(c => KddFeatures.Find(c) is not null || IsLabelName(c) || MetadataNames.Contains(Normalize(c)));

    public static ColumnLayout FromHeader(IReadOnlyList<string> header)
    {
        var features = Enumerable.Repeat(-1, KddFeatures.Count).ToArray();
        var label = -1;
        var metadata = new List<(string, int)>();
        for (var i = 0; i < header.Count; i++)
        {
            var name = Normalize(header[i]);
            if (KddFeatures.Find(name) is { } feature)
            {
                if (features[feature.Index] >= 0)
                {
                    throw new KddFormatException($"Header names column '{feature.Name}' twice (columns {features[feature.Index] + 1} and {i + 1}).");
                }

                features[feature.Index] = i;
            }
            else if (IsLabelName(name))
            {
                label = i;
            }
            else if (MetadataNames.Contains(name))
            {
                metadata.Add((name, i));
            }

            // any other column is carried but ignored
        }

        var missing = KddFeatures.All.Where(f => features[f.Index] < 0).Select(f => f.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new KddFormatException(
                $"Header is missing {missing.Length} of the 41 KDD feature columns: {string.Join(", ", missing.Take(8))}{(missing.Length > 8 ? ", ..." : "")}.");
        }

        return new ColumnLayout
        {
            FeatureColumns = features,
            LabelColumn = label,
            MetadataColumns = metadata,
            ExpectedColumns = header.Count,
        };
    }

    private static bool IsLabelName(string name) => LabelNames.Contains(Normalize(name));

    private static string Normalize(string name) => name.Trim().Trim('"').ToLowerInvariant();
}
