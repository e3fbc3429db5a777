using System.Diagnostics;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training;

/// <summary>
/// Generalisation to attack types the model never saw, measured the way KDD Cup 99 was judged: each
/// fold trains without one attack type and scores that type's records (as novel traffic) and held-out
/// normal records (for false alarms). The folds' scores are kept so decision policies (category priors,
/// unknown threshold) can be compared on them without retraining.
/// </summary>
public static class LeaveOneAttackOut
{
    private const int MaxNormalSample = 20_000;

    /// <summary>
    /// Left-out records scored per fold: a deterministic sample of the big floods (smurf has 280,790 records,
    /// nearly all alike), so one fold costs seconds, not minutes.
    /// </summary>
    private const int MaxLeftOutSample = 20_000;

    /// <summary>False-alarm rates on normal traffic for which detection is reported (the curve in the card).</summary>
    private static readonly double[] FalseAlarmRates = [0, 0.001, 0.0025, 0.005, 0.01, 0.02];

    /// <summary>Trains one model per attack type, without it, and scores the left-out records and held-out normal traffic.</summary>
    public static IReadOnlyList<FoldScores> CollectFolds(
        TrainerSettings trainer, FeatureEncoding encoding, List<ConnectionRecord> train, List<ConnectionRecord> holdOut, int seed, TextWriter log,
        CancellationToken cancellationToken = default)
    {
        var normals = holdOut.Where(r => r.Label == KddLabels.Normal).Take(MaxNormalSample).ToArray();
        var attacks = train.Concat(holdOut).Where(r => r.Label != KddLabels.Normal).GroupBy(r => r.Label!).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        var folds = new List<FoldScores>();
        var clock = Stopwatch.StartNew();
        foreach (var attack in attacks)
        {
            var model = MlNetModel.Train(trainer, encoding, train.Where(r => r.Label != attack.Key), seed, cancellationToken: cancellationToken);
            var leftOut = Sample(attack.ToArray(), MaxLeftOutSample, seed);
            folds.Add(new FoldScores(attack.Key, model.Labels,
                WithoutClass(model.Score(leftOut), model.Labels, attack.Key),
                WithoutClass(model.Score(normals), model.Labels, attack.Key))
            {
                LeftOutRules = leftOut.Select(ContentRule.Match).ToArray(),
                NormalRules = normals.Select(ContentRule.Match).ToArray(),
            });
        }

        log.WriteLine($"  {trainer.Name}: {folds.Count} leave-one-attack-out folds [{clock.Elapsed.TotalSeconds:F0}s]");
        return folds;
    }

    /// <summary>Reports detection and KDD cost of each left-out attack under <paramref name="policy"/>, with a curve over unknown rates.</summary>
    public static LeaveOneAttackOutReport Report(IReadOnlyList<FoldScores> folds, DecisionPolicy policy, double unknownRate)
    {
        var curve = FalseAlarmRates.Select(rate => (Rate: rate, Report: Measure(folds, policy, rate))).ToArray();
        return Measure(folds, policy, unknownRate) with
        {
            Curve = curve.Select(c => new DetectionAtFalseAlarmRate(c.Rate, c.Report.MeanDetectionRate, c.Report.NormalFalseAlarmRate, c.Report.BalancedCost)).ToArray(),
        };
    }

    /// <summary>
    /// The confidence below which a record is flagged unknown: the <paramref name="rate"/>-quantile of the
    /// model's top score on held-out normal traffic, so about that share of normal records is flagged.
    /// </summary>
    public static double ThresholdFor(IEnumerable<float[]> normalScores, double rate)
    {
        if (rate <= 0)
        {
            return 0;
        }

        var tops = normalScores.Select(TopScore).Order().ToArray();
        return tops.Length == 0 ? 0 : tops[Math.Clamp((int)Math.Floor(rate * tops.Length), 0, tops.Length - 1)];
    }

    private static double TopScore(float[] scores)
    {
        var sum = scores.Sum(s => Math.Max(s, 0));
        return sum <= 0 ? 0 : scores.Max() / sum;
    }

    /// <summary>
    /// Detection and cost of the left-out attacks under <paramref name="policy"/> (its priors), with each fold's
    /// unknown threshold at <paramref name="unknownRate"/> of that fold's normal traffic.
    /// </summary>
    public static LeaveOneAttackOutReport Measure(IReadOnlyList<FoldScores> folds, DecisionPolicy policy, double unknownRate)
    {
        var results = new List<LeaveOneAttackOutFold>();
        double falseAlarms = 0;
        double normalCost = 0;
        foreach (var fold in folds)
        {
            var decider = new PredictionDecider(fold.Labels, policy with { UnknownConfidenceThreshold = ThresholdFor(fold.Normals, unknownRate) });
            var actual = KddLabels.CategoryOf(fold.Attack)!.Value;
            var predictions = fold.LeftOut.Select((s, i) => decider.Decide(s, rule: fold.LeftOutRules.ElementAtOrDefault(i))).ToArray();
            double n = predictions.Length;
            results.Add(new LeaveOneAttackOutFold(
                fold.Attack,
                actual.ToName(),
                predictions.Length,
                Math.Round(predictions.Count(p => p.Category != KddCategory.Normal) / n, 4),
                Math.Round(predictions.Count(p => p.Unknown) / n, 4),
                Math.Round(predictions.Count(p => p.IsAlert) / n, 4),
                Math.Round(predictions.Count(p => !p.IsAlert) / n, 4))
            {
                RightCategory = Math.Round(predictions.Count(p => p.Category == actual) / n, 4),
                CostPerExample = Math.Round(predictions.Sum(p => KddCostMatrix.Cost(actual, p.Category)) / n, 4),
            });
            var normals = fold.Normals.Select((s, i) => decider.Decide(s, rule: fold.NormalRules.ElementAtOrDefault(i))).ToArray();
            falseAlarms += normals.Count(p => p.IsAlert) / (double)Math.Max(1, normals.Length);
            normalCost += normals.Sum(p => KddCostMatrix.Cost(KddCategory.Normal, p.Category)) / (double)Math.Max(1, normals.Length);
        }

        var foldCount = Math.Max(1, folds.Count);
        return new LeaveOneAttackOutReport
        {
            Method = $"Train without one attack type (same trainer and split); score that type's records (at most {MaxLeftOutSample:N0}, sampled) and held-out normal records; unknown threshold at {unknownRate:P2} of each fold's normal traffic.",
            Folds = results,
            NormalFalseAlarmRate = Math.Round(falseAlarms / foldCount, 5),
            MeanDetectionRate = Math.Round(results.Average(r => r.Detected), 4),
            UnknownFalseAlarmRate = unknownRate,
            BalancedCost = Math.Round(BalancedCost(results, normalCost / foldCount), 5),
        };
    }

    /// <summary>
    /// The figure policies are chosen on: the mean over the five categories of the KDD cost per example, where
    /// an attack category's cost is the mean over its left-out attack types (each type counts once, however many
    /// records it has) and normal's is the cost of false alarms on held-out normal traffic. Every category counts
    /// alike because the mix of a site's traffic, and of the attacks it will see, is not the training file's.
    /// </summary>
    private static double BalancedCost(IReadOnlyList<LeaveOneAttackOutFold> folds, double normalCost)
    {
        var attackCategories = folds.GroupBy(f => f.Category).Select(g => g.Average(f => f.CostPerExample)).ToArray();
        return (normalCost + attackCategories.Sum()) / (1 + attackCategories.Length);
    }

    private static ConnectionRecord[] Sample(ConnectionRecord[] records, int max, int seed)
    {
        if (records.Length <= max)
        {
            return records;
        }

        var copy = (ConnectionRecord[])records.Clone();
        new Random(seed).Shuffle(copy);
        return copy[..max];
    }

    /// <summary>
    /// The fold's model still has a score slot for the left-out class (trained with no examples; under
    /// one-versus-all a degenerate scorer that takes probability mass from every record). Zeroing it makes
    /// fold probabilities comparable with the shipped model's, where every class has examples.
    /// </summary>
    private static float[][] WithoutClass(float[][] scores, IReadOnlyList<string> labels, string leftOut)
    {
        var index = labels.ToList().IndexOf(leftOut);
        foreach (var row in scores)
        {
            row[index] = 0;
        }

        return scores;
    }
}

/// <summary>One fold's scores: the left-out attack's records and held-out normal records, scored by a model trained without that attack.</summary>
public sealed record FoldScores(string Attack, IReadOnlyList<string> Labels, float[][] LeftOut, float[][] Normals)
{
    /// <summary>The content rule each left-out record meets (null for none), in <see cref="LeftOut"/> order.</summary>
    public IReadOnlyList<ContentRule?> LeftOutRules { get; init; } = [];

    public IReadOnlyList<ContentRule?> NormalRules { get; init; } = [];
}
