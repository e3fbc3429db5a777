using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.TestSupport;

namespace Siem.Detection.Tests.Model;

public class PredictionDeciderTests
{
    private static readonly string[] Labels = ["normal", "neptune", "guess_passwd", "rootkit", "satan"];

    private static PredictionDecider Decider(double threshold = 0, bool unknownIsAttack = false) =>
        new(Labels, DecisionPolicy.ArgMax with { UnknownConfidenceThreshold = threshold, UnknownIsAttack = unknownIsAttack });

    [Fact]
    public void Clear_winner_is_the_prediction() =>
        Assert.Equal(("neptune", KddCategory.Dos), Decide(Decider(), [0.05f, 0.9f, 0.02f, 0.01f, 0.02f]));

    [Fact]
    public void Expected_cost_prefers_r2l_over_a_slightly_likelier_normal()
    {
        // Missing an r2l attack costs 4, a false r2l alarm costs 2: at 55/45 the cheaper call is r2l.
        Assert.Equal(("guess_passwd", KddCategory.R2L), Decide(Decider(), [0.55f, 0, 0.45f, 0, 0]));
        Assert.Equal(("normal", KddCategory.Normal), Decide(Decider(), [0.7f, 0, 0.3f, 0, 0]));
    }

    [Fact]
    public void Low_confidence_is_flagged_unknown_and_can_be_reported_as_an_attack()
    {
        float[] scores = [0.6f, 0.1f, 0.1f, 0.05f, 0.15f];

        var plain = Decider(threshold: 0.8).Decide(scores);
        var asAttack = Decider(threshold: 0.8, unknownIsAttack: true).Decide(scores);

        Assert.True(plain.Unknown);
        Assert.Equal(KddCategory.Normal, plain.Category);
        Assert.True(asAttack.Unknown);
        Assert.NotEqual(KddCategory.Normal, asAttack.Category);
        Assert.True(asAttack.IsAlert);
    }

    [Fact]
    public void Unnormalised_scores_are_normalised()
    {
        var prediction = Decider().Decide([2f, 6f, 0, 0, 2f]);

        Assert.Equal(0.6f, prediction.Confidence, 4);
        Assert.Equal(1f, prediction.Scores.Sum(), 4);
    }

    [Fact]
    public void A_content_rule_turns_a_normal_verdict_into_its_category_and_says_so()
    {
        float[] normal = [0.9f, 0.02f, 0.05f, 0.01f, 0.02f];
        var withRules = new PredictionDecider(Labels, DecisionPolicy.ArgMax with { ContentRules = true });

        var ruled = withRules.Decide(normal, rule: ContentRule.FailedLogins);
        var modelOnly = Decider().Decide(normal, rule: ContentRule.FailedLogins);
        var noRuleMet = withRules.Decide(normal);

        Assert.Equal(("guess_passwd", KddCategory.R2L, "failed-logins"), (ruled.Label, ruled.Category, ruled.Rule));
        Assert.True(ruled.IsAlert);
        Assert.Equal((KddCategory.Normal, (string?)null), (modelOnly.Category, modelOnly.Rule));
        Assert.Equal((KddCategory.Normal, (string?)null), (noRuleMet.Category, noRuleMet.Rule));
    }

    [Fact]
    public void A_content_rule_never_overrides_an_attack_the_model_found()
    {
        var withRules = new PredictionDecider(Labels, DecisionPolicy.ArgMax with { ContentRules = true });

        var prediction = withRules.Decide([0.05f, 0.9f, 0.02f, 0.01f, 0.02f], rule: ContentRule.RootShellWithoutSu);

        Assert.Equal(("neptune", KddCategory.Dos), (prediction.Label, prediction.Category));
        Assert.Null(prediction.Rule);
    }

    [Fact]
    public void Content_rules_match_failed_logins_and_a_root_shell_without_su()
    {
        var session = KddFixtures.NormalHttp() with { Service = "telnet" };

        Assert.Null(ContentRule.Match(session));
        Assert.Equal(ContentRule.FailedLogins, ContentRule.Match(session with { NumFailedLogins = 2 }));
        Assert.Equal(ContentRule.RootShellWithoutSu, ContentRule.Match(session with { RootShell = 1 }));
        Assert.Null(ContentRule.Match(session with { RootShell = 1, SuAttempted = 1 }));
    }

    [Fact]
    public void Calibrated_confidence_is_reported_and_the_unknown_threshold_reads_it()
    {
        // A calibration that lowers 0.7 to about 0.35: the raw score would pass a 0.5 threshold, the calibrated one does not.
        var calibration = new ConfidenceCalibration { A = 1, B = -1.46 };
        var decider = new PredictionDecider(Labels, DecisionPolicy.ArgMax with { Calibration = calibration, UnknownConfidenceThreshold = 0.5 });

        var prediction = decider.Decide([0.1f, 0.7f, 0.1f, 0.05f, 0.05f]);

        Assert.Equal("neptune", prediction.Label);
        Assert.Equal(calibration.Apply(0.7), prediction.Confidence, 4);
        Assert.Equal(prediction.Confidence, prediction.ClosestConfidence);
        Assert.True(prediction.Unknown);
        Assert.Equal(0.7f, prediction.Scores[1], 4); // the class probabilities themselves stay the model's
    }

    private static (string, KddCategory) Decide(PredictionDecider decider, float[] scores)
    {
        var p = decider.Decide(scores);
        return (p.Label, p.Category);
    }
}
