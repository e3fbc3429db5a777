using Siem.Domain.Labels;

namespace Siem.Detection.Model;

/// <summary>Turns a score vector into a <see cref="Prediction"/> under a <see cref="DecisionPolicy"/>.</summary>
public sealed class PredictionDecider
{
    private static readonly int CategoryCount = KddCategoryNames.All.Count;
    private readonly string[] _labels;
    private readonly KddCategory[] _categoryOfClass;
    private readonly double[] _priorWeights;

    public PredictionDecider(IReadOnlyList<string> labels, DecisionPolicy policy)
    {
        _labels = [.. labels];
        _categoryOfClass = labels.Select(l => KddLabels.CategoryOf(l)
            ?? throw new InvalidDataException($"Model label '{l}' is not a KDD label.")).ToArray();
        if (policy.CategoryPriorWeights.Count != CategoryCount)
        {
            throw new InvalidDataException($"The decision policy needs {CategoryCount} category weights.");
        }

        _priorWeights = [.. policy.CategoryPriorWeights];
        Policy = policy;
    }

    public DecisionPolicy Policy { get; }

    public IReadOnlyList<string> Labels => _labels;

    /// <param name="rawScores">The model's scores for one record, in label order.</param>
    /// <param name="unseenInput">The record has a value the model never saw (such as a new service).</param>
    /// <param name="rule">The content rule the record meets, if any (applied when the policy enables rules).</param>
    public Prediction Decide(ReadOnlySpan<float> rawScores, bool unseenInput = false, ContentRule? rule = null)
    {
        var scores = Normalize(rawScores);
        var top = IndexOfMax(scores);

        Span<double> category = stackalloc double[CategoryCount];
        for (var i = 0; i < scores.Length; i++)
        {
            category[(int)_categoryOfClass[i]] += scores[i] * _priorWeights[(int)_categoryOfClass[i]];
        }

        var topConfidence = Calibrated(scores[top]);
        var unknown = unseenInput || topConfidence < Policy.UnknownConfidenceThreshold;
        var chosen = CheapestCategory(category, allowNormal: !(unknown && Policy.UnknownIsAttack));
        var applied = chosen == KddCategory.Normal && Policy.ContentRules ? rule : null;
        if (applied is not null)
        {
            chosen = applied.Category;
        }

        var label = BestClassIn(scores, chosen);
        var confidence = label == top ? topConfidence : Calibrated(scores[label]);
        return new Prediction(_labels[label], chosen, confidence, unknown, scores, _labels[top], topConfidence) { Rule = applied?.Name };
    }

    private float Calibrated(float score) => Policy.Calibration is { } calibration ? (float)calibration.Apply(score) : score;

    /// <summary>The category with the lowest expected KDD cost given category probabilities.</summary>
    private static KddCategory CheapestCategory(ReadOnlySpan<double> probability, bool allowNormal)
    {
        var best = KddCategory.Normal;
        var bestCost = double.MaxValue;
        foreach (var predicted in KddCategoryNames.All)
        {
            if (predicted == KddCategory.Normal && !allowNormal)
            {
                continue;
            }

            var cost = 0.0;
            foreach (var actual in KddCategoryNames.All)
            {
                cost += probability[(int)actual] * KddCostMatrix.Cost(actual, predicted);
            }

            if (cost < bestCost)
            {
                (best, bestCost) = (predicted, cost);
            }
        }

        return best;
    }

    private int BestClassIn(float[] scores, KddCategory category)
    {
        var best = -1;
        for (var i = 0; i < scores.Length; i++)
        {
            if (_categoryOfClass[i] == category && (best < 0 || scores[i] > scores[best]))
            {
                best = i;
            }
        }

        return best >= 0 ? best : IndexOfMax(scores);
    }

    private static float[] Normalize(ReadOnlySpan<float> raw)
    {
        var scores = new float[raw.Length];
        var sum = 0.0;
        for (var i = 0; i < raw.Length; i++)
        {
            var s = float.IsFinite(raw[i]) && raw[i] > 0 ? raw[i] : 0;
            scores[i] = s;
            sum += s;
        }

        if (sum > 0)
        {
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = (float)(scores[i] / sum);
            }
        }

        return scores;
    }

    private static int IndexOfMax(ReadOnlySpan<float> scores)
    {
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return best;
    }
}
