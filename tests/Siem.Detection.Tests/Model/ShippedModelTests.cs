using System.Text.Json;
using System.Text.Json.Nodes;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.TestSupport;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Detection.Tests.Model;

/// <summary>The model committed in models/ loads, matches its card and classifies obvious cases correctly.</summary>
public sealed class ShippedModelTests : IDisposable
{
    private readonly OnnxClassifier _classifier = OnnxClassifier.Load(RepositoryPaths.ShippedCard);

    [Fact]
    public void Card_lists_the_23_training_classes_in_score_order_with_metrics()
    {
        var card = _classifier.Card;

        Assert.Equal(KddLabels.TrainingClasses.Select(l => l.Name).Order(), card.Labels.Order());
        Assert.Equal(card.Encoding.Length, card.Input.Length);
        Assert.Equal(64, card.TrainingData!.Sha256.Length);
        // The category priors trade a little accuracy on the attacks of the training file for far fewer missed novel attacks.
        Assert.True(card.Metrics!.HeldOut!.Accuracy >= 0.998, $"held-out accuracy {card.Metrics.HeldOut.Accuracy:P3}");
        Assert.NotEmpty(card.Metrics.LeaveOneAttackOut!.Folds);
        Assert.NotEmpty(card.Trainer!.PolicyTrials);
    }

    [Fact]
    public void Card_records_the_policy_trials_the_chosen_policy_and_its_calibration()
    {
        var card = _classifier.Card;
        var chosen = card.Trainer!.PolicyTrials.Where(t => t.Trainer == card.Trainer.Name && t.NormalFalseAlarmRate <= DecisionPolicy.MaxNormalFalseAlarmRate).MinBy(t => t.BalancedCost)!;

        Assert.Contains(card.Trainer.PolicyTrials, t => t.ContentRules);
        Assert.Contains(card.Trainer.PolicyTrials, t => !t.ContentRules);
        Assert.Equal(chosen.PriorWeights, card.Decision.CategoryPriorWeights);
        Assert.Equal(chosen.ContentRules, card.Decision.ContentRules);
        Assert.Equal(card.Trainer.PolicyTrials.Where(t => t.NormalFalseAlarmRate <= DecisionPolicy.MaxNormalFalseAlarmRate).Min(t => t.BalancedCost), chosen.BalancedCost);
        Assert.Equal(chosen.BalancedCost, card.Metrics!.LeaveOneAttackOut!.BalancedCost, 3);
        var calibration = card.Decision.Calibration!;
        Assert.True(calibration.ExpectedCalibrationErrorAfter <= calibration.ExpectedCalibrationErrorBefore);
        Assert.InRange(card.Decision.UnknownConfidenceThreshold, 0.5, 1);
    }

    [Fact]
    public void A_telnet_session_with_failed_logins_is_password_guessing_whoever_decides()
    {
        var session = NormalHttp() with { Service = "telnet", Duration = 5, SrcBytes = 120, DstBytes = 300, LoggedIn = false, Count = 1, SrvCount = 1 };

        var guessing = _classifier.Classify(session with { NumFailedLogins = 3 });

        Assert.Equal(KddCategory.R2L, guessing.Category);
        Assert.True(guessing.IsAlert);
        Assert.True(guessing.Rule is null or "failed-logins");
    }

    [Fact]
    public void Obvious_syn_flood_is_a_dos_attack()
    {
        var prediction = _classifier.Classify(SynFlood());

        Assert.Equal("neptune", prediction.Label);
        Assert.Equal(KddCategory.Dos, prediction.Category);
        Assert.True(prediction.IsAlert);
    }

    [Fact]
    public void Obvious_http_session_is_normal_and_not_unknown()
    {
        var prediction = _classifier.Classify(NormalHttp());

        Assert.Equal("normal", prediction.Label);
        Assert.Equal(KddCategory.Normal, prediction.Category);
        Assert.False(prediction.Unknown);
        Assert.True(prediction.Confidence > 0.9f);
    }

    [Fact]
    public void Scores_are_probabilities_over_the_card_labels()
    {
        var prediction = _classifier.Classify(SmurfEcho());

        Assert.Equal(_classifier.Labels.Count, prediction.Scores.Length);
        Assert.Equal(1.0, prediction.Scores.Sum(), 3);
        Assert.Equal("smurf", prediction.Label);
        var score = prediction.Scores[_classifier.Labels.ToList().IndexOf("smurf")];
        Assert.Equal(_classifier.Card.Decision.Calibration?.Apply(score) ?? score, prediction.Confidence, 5); // calibrated
    }

    [Fact]
    public void A_service_never_seen_in_training_is_classified_and_flagged_unknown()
    {
        var prediction = _classifier.Classify(NormalHttp() with { Service = "brand_new_service" });

        Assert.True(prediction.Unknown);
        Assert.True(prediction.IsAlert);
    }

    [Fact]
    public void Batch_results_equal_single_results_in_order_and_across_threads()
    {
        var records = Enumerable.Range(0, 300).Select(i => (i % 3) switch
        {
            0 => NormalHttp(i),
            1 => SynFlood(i),
            _ => SmurfEcho(i),
        }).ToArray();

        var batch = _classifier.Classify(records);
        var parallel = records.AsParallel().AsOrdered().WithDegreeOfParallelism(4).Select(r => _classifier.Classify(r)).ToArray();

        Assert.Equal(batch.Select(p => p.Label), parallel.Select(p => p.Label));
        Assert.All(batch.Zip(parallel), pair => Assert.Equal(pair.First.Confidence, pair.Second.Confidence, 5));
        Assert.Equal(["normal", "neptune", "smurf"], batch.Take(3).Select(p => p.Label));
    }

    [Fact]
    public void The_prediction_cache_and_in_batch_deduplication_never_change_a_verdict()
    {
        var records = Enumerable.Range(0, 2000).Select(i => (i % 4) switch
        {
            0 => NormalHttp(i % 7),
            1 => SynFlood(i % 5),
            2 => SmurfEcho(),
            _ => NormalHttp(i) with { Service = i % 2 == 0 ? "ftp" : "never_seen" },
        }).ToArray();
        using var uncached = OnnxClassifier.Load(RepositoryPaths.ShippedCard, cacheCapacity: 0);
        using var tinyCache = OnnxClassifier.Load(RepositoryPaths.ShippedCard, cacheCapacity: 4);

        var expected = records.Select(r => uncached.Classify([r])[0]).ToArray();
        foreach (var classifier in new[] { _classifier, uncached, tinyCache })
        {
            for (var pass = 0; pass < 2; pass++)
            {
                var actual = classifier.Classify(records);
                Assert.Equal(expected.Select(p => (p.Label, p.Category, p.Unknown)), actual.Select(p => (p.Label, p.Category, p.Unknown)));
                Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First.Confidence, pair.Second.Confidence, 5));
            }
        }
    }

    [Fact]
    public void A_card_that_does_not_match_the_onnx_file_is_refused_with_a_clear_error()
    {
        using var temp = new TempDirectory();
        var (onnx, card) = ModelFiles.Resolve(RepositoryPaths.ShippedCard);
        File.Copy(onnx, temp.File("broken.onnx"));
        var json = JsonNode.Parse(File.ReadAllText(card))!;
        json["input"]!["length"] = 7;
        json["labels"]!.AsArray().RemoveAt(0);
        File.WriteAllText(temp.File("broken.model.json"), json.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(temp.File("broken.onnx")));

        Assert.Contains("does not match its card", error.Message);
        Assert.Contains("the card says 7", error.Message);
        Assert.Contains("22 labels", error.Message);
    }

    [Fact]
    public void A_missing_card_names_the_file()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("lonely.onnx"), "not really");

        var error = Assert.Throws<FileNotFoundException>(() => OnnxClassifier.Load(temp.File("lonely.onnx")));

        Assert.Contains("lonely.model.json", error.Message);
    }

    public void Dispose() => _classifier.Dispose();
}
