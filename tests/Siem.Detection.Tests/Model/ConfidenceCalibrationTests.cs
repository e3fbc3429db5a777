using Siem.Detection.Model;

namespace Siem.Detection.Tests.Model;

public class ConfidenceCalibrationTests
{
    /// <summary>An over-confident scorer: it says 0.95 but is right 70 % of the time, and 0.6 when right 40 %.</summary>
    private static List<(double Score, bool Correct)> Overconfident()
    {
        var samples = new List<(double, bool)>();
        for (var i = 0; i < 1000; i++)
        {
            samples.Add((0.95, i % 10 < 7));
            samples.Add((0.6, i % 10 < 4));
        }

        return samples;
    }

    [Fact]
    public void Platt_scaling_brings_confidence_to_the_observed_accuracy()
    {
        var samples = Overconfident();

        var calibration = ConfidenceCalibration.Fit(samples);
        var before = ConfidenceCalibration.ExpectedCalibrationError(samples);
        var after = ConfidenceCalibration.ExpectedCalibrationError(samples.Select(s => (calibration.Apply(s.Score), s.Correct)));

        Assert.Equal(0.225, before, 3); // |0.95 - 0.7| and |0.6 - 0.4|, half the records each
        Assert.True(after < 0.01, $"calibration error after {after:F4}");
        Assert.Equal(0.7, calibration.Apply(0.95), 1);
        Assert.Equal(0.4, calibration.Apply(0.6), 1);
    }

    [Fact]
    public void Calibration_keeps_the_order_of_scores()
    {
        var calibration = ConfidenceCalibration.Fit(Overconfident());

        var mapped = Enumerable.Range(1, 99).Select(i => calibration.Apply(i / 100.0)).ToArray();

        Assert.True(calibration.A > 0);
        Assert.All(mapped.Zip(mapped.Skip(1)), pair => Assert.True(pair.Second > pair.First));
    }

    [Fact]
    public void A_fold_with_too_few_errors_to_learn_from_leaves_scores_as_they_are()
    {
        // A flat fit would map every score to one value, and a threshold on it would lose the scores' order.
        var samples = Enumerable.Range(0, 500).Select(i => (0.9 + i % 10 / 100.0, i % 100 != 0)).ToList();

        var calibration = ConfidenceCalibration.Fit(samples);

        Assert.Same(ConfidenceCalibration.Identity, calibration);
        Assert.Equal(0.95, calibration.Apply(0.95), 9);
    }
}
