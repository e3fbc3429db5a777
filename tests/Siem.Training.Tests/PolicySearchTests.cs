using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Training;

namespace Siem.Training.Tests;

public class PolicySearchTests
{
    private static readonly string[] Labels = ["normal", "neptune", "guess_passwd", "rootkit", "satan"];
    private static readonly float[] NormalScores = [0.99f, 0.0025f, 0.0025f, 0.0025f, 0.0025f];

    [Fact]
    public void Prior_weights_divide_out_the_training_mix_by_the_exponent()
    {
        double[] shares = [0.2, 0.01, 0.75, 0.0001, 0.0399];

        Assert.Equal([1, 1, 1, 1, 1], PolicySearch.PriorWeights(shares, 0));
        Assert.Equal([1, 20, 0.2667, 2000, 5.0125], PolicySearch.PriorWeights(shares, 1));
        Assert.Equal(Math.Round(Math.Sqrt(20), 4), PolicySearch.PriorWeights(shares, 0.5)[1]);
    }

    [Fact]
    public void Leave_one_attack_out_cost_counts_every_category_alike()
    {
        // An r2l type the model calls normal (cost 4 each) and a dos type it gets right; normal traffic all right.
        var folds = new[]
        {
            Fold("warezclient", leftOut: [[0.8f, 0, 0.2f, 0, 0]]),
            Fold("smurf", leftOut: [[0, 1, 0, 0, 0]]),
        };

        var report = LeaveOneAttackOut.Measure(folds, DecisionPolicy.ArgMax, unknownRate: 0);

        Assert.Equal(4, report.Folds.Single(f => f.LeftOut == "warezclient").CostPerExample);
        Assert.Equal(0, report.Folds.Single(f => f.LeftOut == "smurf").CostPerExample);
        Assert.Equal((0 + 4 + 0) / 3.0, report.BalancedCost, 4); // normal, r2l, dos
        Assert.Equal(0.5, report.MeanDetectionRate);
    }

    [Fact]
    public void The_search_prefers_priors_that_catch_novel_r2l_within_the_false_alarm_limit()
    {
        // Left-out r2l sessions look 70 % normal; normal traffic is 99 % normal. Lifting r2l's prior catches the
        // attacks without a single false alarm.
        var folds = new[] { Fold("warezclient", leftOut: [[0.7f, 0, 0.3f, 0, 0], [0.75f, 0, 0.25f, 0, 0]]) };
        double[] shares = [0.5, 0.1, 0.3, 0.05, 0.05];

        var trials = PolicySearch.Run("test", folds, shares);
        var best = PolicySearch.Best(trials);

        Assert.Equal(PolicySearch.PriorExponents.Length * PolicySearch.UnknownRates.Length * 2, trials.Count);
        Assert.True(best.PriorExponent > 0);
        Assert.Equal(0, best.NormalFalseAlarmRate);
        Assert.Equal(1, best.MeanDetectionRate);
        Assert.True(trials.Where(t => t.PriorExponent == 0 && t.UnknownRate == 0).All(t => t.BalancedCost > best.BalancedCost));
    }

    [Fact]
    public void Policies_over_the_false_alarm_limit_are_never_chosen()
    {
        var trials = new[]
        {
            new PolicyTrialResult("a", 1, [1, 1, 1, 1, 1], 0, BalancedCost: 0.1, MeanDetectionRate: 0.9, NormalFalseAlarmRate: 0.05),
            new PolicyTrialResult("b", 0, [1, 1, 1, 1, 1], 0, BalancedCost: 0.3, MeanDetectionRate: 0.6, NormalFalseAlarmRate: 0.002),
        };

        Assert.Equal("b", PolicySearch.Best(trials).Trainer);
    }

    private static FoldScores Fold(string attack, float[][] leftOut)
    {
        var normals = Enumerable.Range(0, 100).Select(_ => NormalScores.ToArray()).ToArray();
        Assert.NotNull(KddLabels.CategoryOf(attack));
        return new FoldScores(attack, Labels, leftOut, normals);
    }
}
