using System.Globalization;
using nietras.SeparatedValues;
using Siem.Domain.Records;

namespace Siem.Detection.Reading;

/// <summary>
/// Writes connection records as KDD CSV with a header: the 41 features in documented order, then the
/// metadata columns (timestamp as ISO 8601 UTC, endpoints) and, when asked, the label, so that
/// <see cref="KddCsvReader"/> reads them back. Gzip-compressed when the path ends in ".gz".
/// </summary>
public sealed class KddCsvWriter : IDisposable
{
    private const string LabelColumn = "label";
    private static readonly string[] Header = [.. KddFeatures.All.Select(f => f.Name), .. RecordBuilder.MetadataNames];

    private readonly SepWriter _writer;
    private readonly bool _withLabel;

    public KddCsvWriter(string path, bool withLabel = false)
    {
        _withLabel = withLabel;
        var file = File.Create(path, 1 << 16);
        Stream output = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest)
            : file;
        _writer = Sep.New(',').Writer(o => o with { CultureInfo = CultureInfo.InvariantCulture }).To(output, leaveOpen: false);
    }

    public void Write(ConnectionRecord record)
    {
        using var row = _writer.NewRow();
        var features = record.FeatureTexts();
        for (var i = 0; i < features.Length; i++)
        {
            row[Header[i]].Set(features[i]);
        }

        row[RecordBuilder.Timestamp].Set(record.Timestamp?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture) ?? "");
        row[RecordBuilder.SrcIp].Set(record.SrcIp?.ToString() ?? "");
        row[RecordBuilder.DstIp].Set(record.DstIp?.ToString() ?? "");
        row[RecordBuilder.SrcPort].Set(record.SrcPort?.ToString(CultureInfo.InvariantCulture) ?? "");
        row[RecordBuilder.DstPort].Set(record.DstPort?.ToString(CultureInfo.InvariantCulture) ?? "");
        row[RecordBuilder.Uid].Set(record.Uid ?? "");
        row[RecordBuilder.CommunityId].Set(record.CommunityId ?? "");
        if (_withLabel)
        {
            row[LabelColumn].Set(record.Label ?? "");
        }
    }

    public void Dispose() => _writer.Dispose();
}
