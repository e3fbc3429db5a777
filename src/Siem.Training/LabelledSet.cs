using System.Security.Cryptography;
using Siem.Detection.Reading;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training;

/// <summary>The labelled records of a training file, with where they came from.</summary>
public sealed class LabelledSet
{
    private LabelledSet(string path, string sha256, IReadOnlyList<ConnectionRecord> records, long rejected)
    {
        Path = path;
        Sha256 = sha256;
        Records = records;
        Rejected = rejected;
    }

    public string Path { get; }
    public string Sha256 { get; }
    public IReadOnlyList<ConnectionRecord> Records { get; }
    public long Rejected { get; }

    /// <summary>Reads every labelled record whose label is one of the 23 training classes.</summary>
    public static LabelledSet Load(string path, IProgress<long>? progress = null)
    {
        var records = new List<ConnectionRecord>(500_000);
        long rejected = 0;
        foreach (var line in KddCsvReader.ReadFile(path))
        {
            if (line.Record is { Label: { } label } record && KddLabels.Find(label) is { InTrainingSet: true })
            {
                records.Add(record);
                if (records.Count % 50_000 == 0)
                {
                    progress?.Report(records.Count);
                }
            }
            else
            {
                rejected++;
            }
        }

        if (records.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no labelled KDD records ({rejected} lines rejected).");
        }

        return new LabelledSet(path, Sha256Of(path), records, rejected);
    }

    public IReadOnlyDictionary<string, long> LabelCounts() =>
        Records.GroupBy(r => r.Label!).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => (long)g.Count());

    /// <summary>
    /// A deterministic stratified split: each label keeps <paramref name="holdOutFraction"/> of its records
    /// for evaluation (at least one when it has two or more), the rest for training.
    /// </summary>
    public (List<ConnectionRecord> Train, List<ConnectionRecord> HoldOut) Split(double holdOutFraction, int seed)
    {
        var random = new Random(seed);
        var train = new List<ConnectionRecord>();
        var holdOut = new List<ConnectionRecord>();
        foreach (var group in Records.GroupBy(r => r.Label!).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var items = group.ToArray();
            random.Shuffle(items);
            var take = items.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(items.Length * holdOutFraction));
            holdOut.AddRange(items.Take(take));
            train.AddRange(items.Skip(take));
        }

        return (train, holdOut);
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
