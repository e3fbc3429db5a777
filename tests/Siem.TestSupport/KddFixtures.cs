using System.Globalization;
using System.Text;
using Siem.Domain.Records;

namespace Siem.TestSupport;

/// <summary>Hand-built KDD records and CSV text for tests (no part of the real data set).</summary>
public static class KddFixtures
{
    /// <summary>A normal HTTP session: SF, a few hundred bytes each way, logged in, one service.</summary>
    public static ConnectionRecord NormalHttp(int variant = 0) => ConnectionRecord.FromFeatures("tcp", "http", "SF",
    [
        0, 210 + variant % 50, 1500 + variant * 37 % 4000, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        3 + variant % 5, 3 + variant % 5, 0, 0, 0, 0, 1, 0, 0,
        40 + variant % 200, 255, 1, 0, 0.02, 0.03, 0, 0, 0, 0,
    ]);

    /// <summary>An obvious SYN flood connection: S0 to a private port, hundreds of half-open connections.</summary>
    public static ConnectionRecord SynFlood(int variant = 0) => ConnectionRecord.FromFeatures("tcp", "private", "S0",
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        200 + variant % 50, 10 + variant % 10, 1, 1, 0, 0, 0.05, 0.07, 0,
        255, 10 + variant % 10, 0.04, 0.07, 0, 0, 1, 1, 0, 0,
    ]);

    /// <summary>An ICMP echo flood (smurf-like): many large echo requests to one host.</summary>
    public static ConnectionRecord SmurfEcho(int variant = 0) => ConnectionRecord.FromFeatures("icmp", "ecr_i", "SF",
    [
        0, 1032, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        511, 511, 0, 0, 0, 0, 1, 0, 0,
        255, 255, 1, 0, 1, 0, 0, 0, 0, 0,
    ]);

    /// <summary>One CSV line in the raw KDD layout (41 features, then the label with its trailing dot when given).</summary>
    public static string ToCsvLine(ConnectionRecord record, string? label = null, bool trailingDot = true)
    {
        var cells = new List<string>(record.FeatureTexts());
        if (label is not null)
        {
            cells.Add(trailingDot ? label + "." : label);
        }

        return string.Join(',', cells);
    }

    public static string Header(bool withLabel = true, params string[] extra) =>
        string.Join(',', KddFeatures.Names.Concat(withLabel ? ["label"] : []).Concat(extra));

    /// <summary>A small labelled file: normal sessions, SYN flood and smurf records, one per line.</summary>
    public static string LabelledCsv(int normals = 20, int floods = 20, int smurfs = 10)
    {
        var text = new StringBuilder();
        for (var i = 0; i < normals; i++)
        {
            text.AppendLine(ToCsvLine(NormalHttp(i), "normal"));
        }

        for (var i = 0; i < floods; i++)
        {
            text.AppendLine(ToCsvLine(SynFlood(i), "neptune"));
        }

        for (var i = 0; i < smurfs; i++)
        {
            text.AppendLine(ToCsvLine(SmurfEcho(i), "smurf"));
        }

        return text.ToString();
    }

    public static MemoryStream AsStream(string text) => new(Encoding.UTF8.GetBytes(text));
}
