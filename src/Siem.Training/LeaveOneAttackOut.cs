using System.Diagnostics;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training;

/// <summary>
/// Generalisation to attack types the model never saw, measured the way KDD Cup 99 was judged: each
/// fold trains without one attack type and scores that type's records (as novel traffic) and held-out
/// normal records (for false alarms). The folds then calibrate the unknown threshold: the largest one
/// whose false alarms on normal traffic stay within the allowed rate.
/// </summary>
public static class LeaveOneAttackOut
{
    private const int MaxNormalSample = 20_000;
    private static readonly double[] Thresholds =
        [0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995, 0.999];

    public static (DecisionPolicy Policy, LeaveOneAttackOutReport Report) Calibrate(
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
            folds.Add(new FoldScores(attack.Key, model.Labels, model.Score(leftOut), model.Score(normals)));
            log.WriteLine($"  left out {attack.Key,-16} {leftOut.Length,7:N0} records [{clock.Elapsed.TotalSeconds:F1}s]");
        }

        var basePolicy = DecisionPolicy.ArgMax with { UnknownIsAttack = true };
        var candidates = Thresholds.Select(t => Measure(folds, basePolicy with { UnknownConfidenceThreshold = t })).ToArray();
        foreach (var c in candidates)
        {
            log.WriteLine($"  threshold {c.Policy.UnknownConfidenceThreshold,5:F3}: novel attacks detected {c.Report.MeanDetectionRate:P1}, normal false alarms {c.Report.NormalFalseAlarmRate:P2}");
        }

        var chosen = candidates.Where(c => c.Report.NormalFalseAlarmRate <= options.MaxNormalFalseAlarmRate)
            .DefaultIfEmpty(candidates[0])
            .MaxBy(c => c.Policy.UnknownConfidenceThreshold);
        var policy = chosen.Policy with
        {
            Notes = $"Unknown threshold {chosen.Policy.UnknownConfidenceThreshold} is the largest whose false alarms on held-out normal traffic stay within {options.MaxNormalFalseAlarmRate:P1} across {folds.Count} leave-one-attack-out folds; " +
                    "a record flagged unknown that the model calls normal is reported as its likeliest attack category; categories are chosen by least expected KDD cost.",
        };
        log.WriteLine($"  chose threshold {policy.UnknownConfidenceThreshold}: detection {chosen.Report.MeanDetectionRate:P1}, false alarms {chosen.Report.NormalFalseAlarmRate:P2}");
        return (policy, chosen.Report);
    }

    private static (DecisionPolicy Policy, LeaveOneAttackOutReport Report) Measure(IReadOnlyList<FoldScores> folds, DecisionPolicy policy)
    {
        var results = new List<LeaveOneAttackOutFold>();
        double falseAlarms = 0;
        foreach (var fold in folds)
        {
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

        return (policy, new LeaveOneAttackOutReport
        {
            Method = "Train without one attack type (same trainer and split), score that type's records and held-out normal records.",
            Folds = results,
            NormalFalseAlarmRate = Math.Round(falseAlarms / Math.Max(1, folds.Count), 5),
            MeanDetectionRate = Math.Round(results.Average(r => r.Detected), 4),
        });
    }

    private sealed record FoldScores(string Attack, IReadOnlyList<string> Labels, float[][] LeftOut, float[][] Normals);
}
