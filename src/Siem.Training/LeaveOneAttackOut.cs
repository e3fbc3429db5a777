using System.Diagnostics;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training;

/// <summary>
/// Generalisation to attack types the model never saw, measured the way KDD Cup 99 was judged: each
/// fold trains without one attack type and scores that type's records (as novel traffic) and held-out
/// normal records (for false alarms), with the unknown threshold set the way the shipped model sets it.
/// </summary>
public static class LeaveOneAttackOut
{
    private const int MaxNormalSample = 20_000;

    /// <summary>False-alarm rates on normal traffic for which detection is reported (the curve in the card).</summary>
    private static readonly double[] FalseAlarmRates = [0, 0.001, 0.0025, 0.005, 0.01, 0.02];

    /// <summary>Runs the folds and reports detection of each left-out attack at the configured false-alarm rate.</summary>
    public static LeaveOneAttackOutReport Run(
        TrainingOptions options, FeatureEncoding encoding, List<ConnectionRecord> train, List<ConnectionRecord> holdOut, TextWriter log)
    {
        var normals = holdOut.Where(r => r.Label == KddLabels.Normal).Take(MaxNormalSample).ToArray();
        var attacks = train.Concat(holdOut).Where(r => r.Label != KddLabels.Normal).GroupBy(r => r.Label!).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        var folds = new List<FoldScores>();
        foreach (var attack in attacks)
        {
            var clock = Stopwatch.StartNew();
            var model = MlNetModel.Train(options.Trainer, encoding, train.Where(r => r.Label != attack.Key), options.Seed);
            var leftOut = attack.ToArray();
            folds.Add(new FoldScores(attack.Key, model.Labels,
                WithoutClass(model.Score(leftOut), model.Labels, attack.Key),
                WithoutClass(model.Score(normals), model.Labels, attack.Key)));
            log.WriteLine($"  left out {attack.Key,-16} {leftOut.Length,7:N0} records [{clock.Elapsed.TotalSeconds:F1}s]");
        }

        var curve = FalseAlarmRates.Select(rate => (Rate: rate, Report: Measure(folds, rate, options.UnknownIsAttack))).ToArray();
        foreach (var (rate, report) in curve)
        {
            log.WriteLine($"  unknown at {rate,6:P2} of normal: novel attacks detected {report.MeanDetectionRate:P1}, normal false alarms {report.NormalFalseAlarmRate:P2}");
        }

        var chosen = Measure(folds, options.UnknownFalseAlarmRate, options.UnknownIsAttack);
        return chosen with
        {
            Curve = curve.Select(c => new DetectionAtFalseAlarmRate(c.Rate, c.Report.MeanDetectionRate, c.Report.NormalFalseAlarmRate)).ToArray(),
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

    private static LeaveOneAttackOutReport Measure(IReadOnlyList<FoldScores> folds, double rate, bool unknownIsAttack)
    {
        var results = new List<LeaveOneAttackOutFold>();
        double falseAlarms = 0;
        foreach (var fold in folds)
        {
            var policy = DecisionPolicy.ArgMax with { UnknownConfidenceThreshold = ThresholdFor(fold.Normals, rate), UnknownIsAttack = unknownIsAttack };
            var decider = new PredictionDecider(fold.Labels, policy);
            var predictions = fold.LeftOut.Select(s => decider.Decide(s)).ToArray();
            double n = predictions.Length;
            results.Add(new LeaveOneAttackOutFold(
                fold.Attack,
                KddLabels.CategoryOf(fold.Attack)!.Value.ToName(),
                predictions.Length,
                Math.Round(predictions.Count(p => p.Category != KddCategory.Normal) / n, 4),
                Math.Round(predictions.Count(p => p.Unknown) / n, 4),
                Math.Round(predictions.Count(p => p.IsAlert) / n, 4),
                Math.Round(predictions.Count(p => !p.IsAlert) / n, 4)));
            falseAlarms += fold.Normals.Count(s => decider.Decide(s).IsAlert) / (double)Math.Max(1, fold.Normals.Length);
        }

        return new LeaveOneAttackOutReport
        {
            Method = $"Train without one attack type (same trainer and split); score that type's records and held-out normal records; unknown threshold at {rate:P2} of each fold's normal traffic.",
            Folds = results,
            NormalFalseAlarmRate = Math.Round(falseAlarms / Math.Max(1, folds.Count), 5),
            MeanDetectionRate = Math.Round(results.Average(r => r.Detected), 4),
            UnknownFalseAlarmRate = rate,
        };
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

    private sealed record FoldScores(string Attack, IReadOnlyList<string> Labels, float[][] LeftOut, float[][] Normals);
}
