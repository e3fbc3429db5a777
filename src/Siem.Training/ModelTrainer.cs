using System.Diagnostics;
using Siem.Detection.Evaluation;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training;

/// <summary>
/// Reproduces the shipped model from the KDD training file: stratified split, trainer trials,
/// leave-one-attack-out calibration of the unknown signal, ONNX export and the model card.
/// </summary>
public static class ModelTrainer
{
    private const int ThroughputBatch = 1024;

    public static ModelCard Train(TrainingOptions options, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        log.WriteLine($"reading {options.DataPath}");
        var set = LabelledSet.Load(options.DataPath);
        options.Cancellation.ThrowIfCancellationRequested();
        var (train, holdOut) = set.Split(options.HoldOutFraction, options.Seed);
        log.WriteLine($"  {set.Records.Count:N0} labelled records ({set.Rejected:N0} rejected); train {train.Count:N0}, held out {holdOut.Count:N0} [{clock.Elapsed.TotalSeconds:F1}s]");
        var (siteTrain, siteHoldOut, siteFiles) = LoadSite(options, log);
        var encoding = FeatureEncoding.ForServices(train.Concat(siteTrain).Select(r => r.Service));
        Directory.CreateDirectory(options.OutputDirectory);

        var trials = new List<TrainerTrial>();
        var policyTrials = new List<PolicyTrialResult>();
        var folds = new Dictionary<string, IReadOnlyList<FoldScores>>();
        var candidates = options.CompareTrainers ? options.Candidates() : [options.Trainer];
        foreach (var candidate in candidates)
        {
            if (options.CompareTrainers)
            {
                trials.Add(RunTrial(candidate, encoding, train, holdOut, options, log));
            }

            if (options.LeaveOneAttackOut)
            {
                folds[candidate.Name] = LeaveOneAttackOut.CollectFolds(candidate, encoding, train, holdOut, options.Seed, log, options.Cancellation);
                var shares = MlNetModel.CategoryShares(candidate, encoding, train);
                var tried = PolicySearch.Run(candidate.Name, folds[candidate.Name], shares);
                policyTrials.AddRange(tried);
                var best = PolicySearch.Best(tried);
                log.WriteLine($"    best policy: content rules {(best.ContentRules ? "on" : "off")}, prior exponent {best.PriorExponent}, unknown at {best.UnknownRate:P2} of normal: balanced cost {best.BalancedCost:F4}, novel attacks detected {best.MeanDetectionRate:P1}, normal false alarms {best.NormalFalseAlarmRate:P2}");
            }
        }

        var chosenPolicy = policyTrials.Count > 0 ? PolicySearch.Best(policyTrials) : null;
        var trainer = chosenPolicy is null ? options.Trainer : candidates.First(c => c.Name == chosenPolicy.Trainer);
        var priorWeights = chosenPolicy?.PriorWeights ?? PolicySearch.PriorWeights(MlNetModel.CategoryShares(trainer, encoding, train), options.PriorExponent);
        var unknownRate = chosenPolicy?.UnknownRate ?? options.UnknownFalseAlarmRate;
        var contentRules = chosenPolicy?.ContentRules ?? options.ContentRules;

        log.WriteLine($"training {trainer.Name} on {train.Count:N0} records" + (siteTrain.Count > 0 ? $" and {siteTrain.Count:N0} site records (weight {options.SiteWeight})" : ""));
        var trainClock = Stopwatch.StartNew();
        var model = MlNetModel.Train(trainer, encoding, train, options.Seed, siteTrain, options.SiteWeight, options.Cancellation);
        log.WriteLine($"  trained in {trainClock.Elapsed.TotalSeconds:F1}s");

        options.Cancellation.ThrowIfCancellationRequested();
        // Calibration is fitted on one half of the held-out split and judged on the other.
        var (calibrationFold, checkFold) = Halves(holdOut, options.Seed);
        var argMax = DecisionPolicy.ArgMax with { CategoryPriorWeights = priorWeights, ContentRules = contentRules };
        var calibration = Calibrate(model, argMax, calibrationFold, checkFold);
        var rawThreshold = LeaveOneAttackOut.ThresholdFor(model.Score(holdOut.Where(r => r.Label == KddLabels.Normal)), unknownRate);
        if (siteTrain.Any(r => r.Label == KddLabels.Normal))
        {
            // The site's own normal traffic may be flagged no more often than the KDD file's: the lower of the two thresholds.
            rawThreshold = Math.Min(rawThreshold, LeaveOneAttackOut.ThresholdFor(model.Score(siteTrain.Where(r => r.Label == KddLabels.Normal)), unknownRate));
        }

        var threshold = rawThreshold <= 0 ? 0 : Math.Round(calibration.Apply(rawThreshold), 6);
        var decision = argMax with
        {
            UnknownConfidenceThreshold = threshold,
            UnknownIsAttack = options.UnknownIsAttack,
            Calibration = calibration,
            Notes = DecisionNotes(priorWeights, chosenPolicy, unknownRate, threshold, options.UnknownIsAttack, contentRules),
        };
        var onnxPath = ModelFiles.OnnxPath(options.OutputDirectory, options.Name);
        var cardPath = ModelFiles.CardPath(options.OutputDirectory, options.Name);
        var card = model.Export(options.OutputDirectory, options.Name, decision) with
        {
            TrainingData = new TrainingData(Path.GetFileName(options.DataPath), set.Sha256, set.Records.Count, set.Rejected, set.LabelCounts())
            {
                SiteFiles = siteFiles,
                SiteWeight = siteFiles.Count > 0 ? options.SiteWeight : 1,
            },
            Trainer = new TrainerDescription(trainer.Name, trainer.Describe(), WhyThisTrainer(trainer, trials, chosenPolicy), trials)
            {
                PolicyTrials = policyTrials,
            },
        };
        card.Save(cardPath);

        using var classifier = OnnxClassifier.Load(cardPath);
        CheckOnnxAgreesWithMlNet(model, classifier, holdOut);
        var heldOut = Evaluate(classifier, holdOut);
        var loao = folds.TryGetValue(trainer.Name, out var chosenFolds)
            ? LeaveOneAttackOut.Report(chosenFolds, argMax with { UnknownIsAttack = options.UnknownIsAttack }, unknownRate)
            : null;
        var site = siteHoldOut.Count > 0 ? Evaluate(classifier, siteHoldOut) : null;
        card = card with { Metrics = new ModelMetrics { HeldOut = heldOut, LeaveOneAttackOut = loao, SiteHeldOut = site } };
        card.Save(cardPath);
        log.WriteLine(EvaluationText.Format(heldOut));
        if (loao is not null)
        {
            log.WriteLine($"leave one attack out: balanced cost {loao.BalancedCost:F4}, novel attacks detected {loao.MeanDetectionRate:P1}, normal false alarms {loao.NormalFalseAlarmRate:P2}");
        }

        if (site is not null)
        {
            log.WriteLine($"site records held out by time: {site.Records:N0}, accuracy {site.Accuracy:P2}, cost {site.CostPerExample:F4}, flagged unknown {site.UnknownFlagged:N0}");
        }

        log.WriteLine($"calibration: expected calibration error {calibration.ExpectedCalibrationErrorBefore:F4} -> {calibration.ExpectedCalibrationErrorAfter:F4} (Platt A={calibration.A:F3}, B={calibration.B:F3})");
        log.WriteLine($"wrote {onnxPath} ({new FileInfo(onnxPath).Length / 1024:N0} KiB) and {cardPath} [{clock.Elapsed.TotalSeconds:F1}s]");
        return card;
    }

    /// <summary>The site's labelled files: the first records of each to train on, the last ones held out (by time) to judge.</summary>
    private static (List<ConnectionRecord> Train, List<ConnectionRecord> HoldOut, List<SiteFile> Files) LoadSite(TrainingOptions options, TextWriter log)
    {
        var (train, holdOut, files) = (new List<ConnectionRecord>(), new List<ConnectionRecord>(), new List<SiteFile>());
        foreach (var path in options.SitePaths)
        {
            var site = LabelledSet.Load(path);
            var records = site.Records;
            files.Add(new SiteFile(Path.GetFileName(path), site.Sha256, records.Count));
            var kept = records.Count - (int)Math.Round(records.Count * options.SiteHoldOutFraction);
            train.AddRange(records.Take(kept));
            holdOut.AddRange(records.Skip(kept));
            log.WriteLine($"  site file {path}: {records.Count:N0} labelled records ({kept:N0} to train on, the last {records.Count - kept:N0} held out)");
        }

        return (train, holdOut, files);
    }

    private static string DecisionNotes(IReadOnlyList<double> priorWeights, PolicyTrialResult? chosen, double unknownRate, double threshold, bool unknownIsAttack, bool contentRules)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var weights = string.Join(" ", priorWeights.Select(w => w.ToString("0.####", c)));
        var why = chosen is null
            ? "set by hand (no leave-one-attack-out search in this build)"
            : $"chosen for the lowest balanced KDD cost on leave-one-attack-out folds ({chosen.BalancedCost:F4}) with normal false alarms at most {PolicySearch.MaxNormalFalseAlarmRate:P1}";
        return $"Category probabilities are re-weighted by priors {weights} (normal probe dos u2r r2l) and the category with the least expected KDD cost is chosen; " +
               $"priors and unknown rate {why}. A record is flagged unknown when its service was never seen in training or its calibrated top confidence is below {threshold:F4} " +
               $"(about {unknownRate:P2} of held-out normal traffic)" +
               (unknownIsAttack ? "; an unknown record the model would call normal is reported as its likeliest attack category." : ".") +
               (contentRules ? " Content rules beside the model: " + string.Join(" ", ContentRule.All.Select(r => $"{r.Name}: {r.Description}")) : "");
    }

    /// <summary>Fits Platt scaling of the top class probability on one fold and measures calibration error on the other.</summary>
    private static ConfidenceCalibration Calibrate(MlNetModel model, DecisionPolicy policy, List<ConnectionRecord> fitOn, List<ConnectionRecord> checkOn)
    {
        var decider = new PredictionDecider(model.Labels, policy);
        List<(double Score, bool Correct)> Samples(List<ConnectionRecord> records)
        {
            var scores = model.Score(records);
            return records.Select((r, i) => decider.Decide(scores[i]) is var p ? ((double)p.ClosestConfidence, p.ClosestLabel == r.Label) : default).ToList();
        }

        var calibration = ConfidenceCalibration.Fit(Samples(fitOn));
        var check = Samples(checkOn);
        return calibration with
        {
            ExpectedCalibrationErrorBefore = Math.Round(ConfidenceCalibration.ExpectedCalibrationError(check), 5),
            ExpectedCalibrationErrorAfter = Math.Round(ConfidenceCalibration.ExpectedCalibrationError(check.Select(s => (calibration.Apply(s.Score), s.Correct))), 5),
        };
    }

    private static (List<ConnectionRecord> First, List<ConnectionRecord> Second) Halves(List<ConnectionRecord> records, int seed)
    {
        var shuffled = records.ToArray();
        new Random(seed + 1).Shuffle(shuffled);
        var half = shuffled.Length / 2;
        return ([.. shuffled[..half]], [.. shuffled[half..]]);
    }

    public static EvaluationReport Evaluate(OnnxClassifier classifier, IReadOnlyList<ConnectionRecord> records)
    {
        var accumulator = new EvaluationAccumulator(classifier.Labels);
        foreach (var chunk in records.Chunk(ThroughputBatch))
        {
            var predictions = classifier.Classify(chunk);
            for (var i = 0; i < chunk.Length; i++)
            {
                accumulator.Add(chunk[i].Label!, predictions[i]);
            }
        }

        return accumulator.Report();
    }

    private static TrainerTrial RunTrial(TrainerSettings settings, FeatureEncoding encoding, List<ConnectionRecord> train, List<ConnectionRecord> holdOut, TrainingOptions options, TextWriter log)
    {
        log.WriteLine($"trial {settings.Name}");
        var clock = Stopwatch.StartNew();
        var model = MlNetModel.Train(settings, encoding, train, options.Seed);
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var directory = Path.Combine(Path.GetTempPath(), $"siem-trial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            model.Export(directory, "trial", DecisionPolicy.ArgMax);
            using var classifier = OnnxClassifier.Load(ModelFiles.CardPath(directory, "trial"), cacheCapacity: 0); // the model's own speed
            var report = Evaluate(classifier, holdOut);
            var rate = MeasureThroughput(classifier, holdOut);
            log.WriteLine($"  accuracy {report.Accuracy:P3}, macro-F1 {report.MacroF1:F4}, cost {report.CostPerExample:F5}, train {trainSeconds:F1}s, {rate:N0} records/s at batch {ThroughputBatch}");
            return new TrainerTrial(settings.Name, report.Accuracy, report.MacroF1, report.CostPerExample, Math.Round(trainSeconds, 1), Math.Round(rate));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Records per second classified by ONNX Runtime at batch 1024 (encoding included).</summary>
    public static double MeasureThroughput(OnnxClassifier classifier, IReadOnlyList<ConnectionRecord> records)
    {
        var batches = records.Take(ThroughputBatch * 40).Chunk(ThroughputBatch).ToArray();
        classifier.Classify(batches[0]); // warm-up
        var clock = Stopwatch.StartNew();
        long classified = 0;
        foreach (var batch in batches)
        {
            classified += classifier.Classify(batch).Length;
        }

        return classified / clock.Elapsed.TotalSeconds;
    }

    private static void CheckOnnxAgreesWithMlNet(MlNetModel model, OnnxClassifier classifier, IReadOnlyList<ConnectionRecord> holdOut)
    {
        var sample = holdOut.Where((_, i) => i % 97 == 0).Take(500).ToArray();
        var expected = model.Score(sample);
        var actual = classifier.Classify(sample);
        for (var i = 0; i < sample.Length; i++)
        {
            var expectedTop = Array.IndexOf(expected[i], expected[i].Max());
            var actualTop = Array.IndexOf(actual[i].Scores, actual[i].Scores.Max());
            if (expectedTop != actualTop)
            {
                throw new InvalidOperationException($"ONNX export disagrees with ML.NET on held-out record {i}: {model.Labels[expectedTop]} vs {classifier.Labels[actualTop]}.");
            }
        }
    }

    private static string WhyThisTrainer(TrainerSettings chosen, IReadOnlyList<TrainerTrial> trials, PolicyTrialResult? policy)
    {
        if (trials.Count == 0)
        {
            return $"{chosen.Name}: no trials were run for this build.";
        }

        var rows = string.Join("; ", trials.Select(t => $"{t.Name}: accuracy {t.Accuracy:P3}, cost {t.CostPerExample:F5}, {t.RecordsPerSecondBatch1024:N0} rec/s, {t.TrainSeconds:F0}s to train"));
        var reason = policy is null
            ? "set by hand"
            : $"the lowest balanced KDD cost on attacks left out of training ({policy.BalancedCost:F4} with its best policy; every trainer's policies are in policyTrials)";
        return $"Chosen {chosen.Name}: {reason}. Held-out trials on the same split: {rows}.";
    }
}
