using Siem.Detection.Model;
using Siem.Domain.Labels;

namespace Siem.Detection.Evaluation;

/// <summary>
/// Collects (actual label, prediction) pairs and reports accuracy, macro-F1, per-class precision and
/// recall, the 5-category confusion matrix and the KDD cost per example. Actual labels the model does
/// not know (the KDD test-only attacks) count through their category.
/// </summary>
public sealed class EvaluationAccumulator(IReadOnlyList<string> modelLabels)
{
    private readonly Dictionary<string, long> _support = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _predicted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _correct = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known = new(modelLabels, StringComparer.Ordinal);
    private readonly long[][] _confusion = KddCategoryNames.All.Select(_ => new long[KddCategoryNames.All.Count]).ToArray();
    private long _records;
    private long _knownRecords;
    private long _knownCorrect;
    private long _categoryCorrect;
    private long _cost;
    private long _unknown;
    private long _unscored;

    /// <summary>Adds one record; returns false when its label is not a KDD label (it is counted as unscored).</summary>
    public bool Add(string actualLabel, Prediction prediction) =>
        Add(actualLabel, prediction.Label, prediction.Category, prediction.Unknown);

    /// <summary>Adds <paramref name="count"/> records with the same actual label and verdict (as a store groups them).</summary>
    public bool Add(string actualLabel, string predictedLabel, KddCategory predictedCategory, bool unknown, long count = 1)
    {
        var actual = KddLabels.Find(actualLabel);
        if (actual is null)
        {
            _unscored += count;
            return false;
        }

        _records += count;
        if (unknown)
        {
            _unknown += count;
        }

        _confusion[(int)actual.Category][(int)predictedCategory] += count;
        _cost += KddCostMatrix.Cost(actual.Category, predictedCategory) * count;
        if (actual.Category == predictedCategory)
        {
            _categoryCorrect += count;
        }

        Increment(_predicted, predictedLabel, count);
        if (_known.Contains(actual.Name))
        {
            _knownRecords += count;
            Increment(_support, actual.Name, count);
            if (actual.Name == predictedLabel)
            {
                _knownCorrect += count;
                Increment(_correct, actual.Name, count);
            }
        }

        return true;
    }

    public EvaluationReport Report()
    {
        var perClass = modelLabels.Select(label =>
        {
            var support = _support.GetValueOrDefault(label);
            var predicted = _predicted.GetValueOrDefault(label);
            var correct = _correct.GetValueOrDefault(label);
            var precision = predicted == 0 ? 0 : (double)correct / predicted;
            var recall = support == 0 ? 0 : (double)correct / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            return new ClassMetrics(label, support, predicted, precision, recall, f1);
        }).ToArray();

        var present = perClass.Where(c => c.Support > 0).ToArray();
        return new EvaluationReport
        {
            Records = _records,
            Accuracy = _knownRecords == 0 ? 0 : (double)_knownCorrect / _knownRecords,
            MacroF1 = present.Length == 0 ? 0 : present.Average(c => c.F1),
            CategoryAccuracy = _records == 0 ? 0 : (double)_categoryCorrect / _records,
            CostPerExample = _records == 0 ? 0 : (double)_cost / _records,
            PerClass = perClass,
            CategoryConfusion = _confusion.Select(row => row.ToArray()).ToArray(),
            UnknownFlagged = _unknown,
            Unscored = _unscored,
        };
    }

    private static void Increment(Dictionary<string, long> counts, string key, long by) =>
        counts[key] = counts.GetValueOrDefault(key) + by;
}
