using System.Globalization;
using System.Text;
using Siem.Domain.Records;

namespace Siem.Detection.Reading;

/// <summary>Writes records back as KDD CSV lines (41 features, then the label when there is one), as the readers read them.</summary>
public static class ConnectionRecordCsv
{
    public static string Header(bool withLabel) =>
        string.Join(',', KddFeatures.Names) + (withLabel ? ",label" : "");

    public static void Append(StringBuilder text, ConnectionRecord record, bool withLabel)
    {
        Span<double> numeric = stackalloc double[KddFeatures.NumericCount];
        record.CopyNumericFeaturesTo(numeric);
        var n = 0;
        foreach (var feature in KddFeatures.All)
        {
            if (feature.Index > 0)
            {
                text.Append(',');
            }

            switch (feature.Index)
            {
                case KddFeatures.ProtocolTypeIndex: text.Append(record.ProtocolType); break;
                case KddFeatures.ServiceIndex: text.Append(record.Service); break;
                case KddFeatures.FlagIndex: text.Append(record.Flag); break;
                default: text.Append(numeric[n++].ToString(CultureInfo.InvariantCulture)); break;
            }
        }

        if (withLabel)
        {
            text.Append(',').Append(record.Label);
        }

        text.Append('\n');
    }
}
