using Siem.Detection.Model;
using Siem.Domain.Labels;

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

    private static (string, KddCategory) Decide(PredictionDecider decider, float[] scores)
    {
        var p = decider.Decide(scores);
        return (p.Label, p.Category);
    }
}
