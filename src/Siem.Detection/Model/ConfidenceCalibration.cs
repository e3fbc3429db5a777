namespace Siem.Detection.Model;

/// <summary>
/// Platt scaling of the model's class probability: <c>p = 1 / (1 + exp(-(A * logit(s) + B)))</c>, fitted on a
/// held-out fold so that a verdict shown with confidence 0.9 is right about 90 % of the time on traffic like the
/// training data. Strictly increasing (A &gt; 0), so thresholds keep their order.
/// </summary>
public sealed record ConfidenceCalibration
{
    private const double Epsilon = 1e-7;

    public required double A { get; init; }
    public required double B { get; init; }

    /// <summary>Records the calibration was fitted on (a held-out fold, never the training records).</summary>
    public long FittedOn { get; init; }

    /// <summary>Expected calibration error (15 equal-width bins) on a second held-out fold, before and after.</summary>
    public double ExpectedCalibrationErrorBefore { get; init; }

    public double ExpectedCalibrationErrorAfter { get; init; }

    public double Apply(double score) => Sigmoid(A * Logit(score) + B);

    private static double Logit(double score)
    {
        var s = Math.Clamp(score, Epsilon, 1 - Epsilon);
        return Math.Log(s / (1 - s));
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>Cross-entropy against Platt's targets, written to stay finite for large |z|.</summary>
    private static double Loss(IReadOnlyList<(double Score, bool Correct)> samples, double a, double b, double high, double low)
    {
        double loss = 0;
        foreach (var (score, correct) in samples)
        {
            var z = a * Logit(score) + b;
            var t = correct ? high : low;
            // log(1 + e^z) - t z, computed without overflow
            loss += (z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z))) - t * z;
        }

        return loss;
    }

    /// <summary>Wrong verdicts a fold needs before a fit says anything: with fewer, the fit is flat and would erase the score's order.</summary>
    public const int MinimumErrors = 10;

    /// <summary>Leaves scores as they are (what a fold with too few errors to learn from gets).</summary>
    public static ConfidenceCalibration Identity { get; } = new() { A = 1, B = 0 };

    /// <summary>Fits A and B by Newton's method on (score, was the verdict right) pairs (logistic regression on logit(score)).</summary>
    public static ConfidenceCalibration Fit(IReadOnlyList<(double Score, bool Correct)> samples)
    {
        var positives = samples.Count(s => s.Correct);
        var negatives = samples.Count - positives;
        if (negatives < MinimumErrors || positives < MinimumErrors)
        {
            return Identity;
        }

        // Platt's targets: slightly less than 1 and more than 0.
        var high = (positives + 1.0) / (positives + 2.0);
        var low = 1.0 / (negatives + 2.0);
        // Newton's method with backtracking (Lin, Lin and Weng's note on Platt scaling): a full step can overshoot.
        double a = 1, b = 0;
        var loss = Loss(samples, a, b, high, low);
        for (var iteration = 0; iteration < 100; iteration++)
        {
            double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
            foreach (var (score, correct) in samples)
            {
                var x = Logit(score);
                var p = Sigmoid(a * x + b);
                var error = p - (correct ? high : low);
                var w = Math.Max(p * (1 - p), 1e-12);
                ga += error * x;
                gb += error;
                haa += w * x * x;
                hab += w * x;
                hbb += w;
            }

            // A small ridge keeps the step defined when every score is the same.
            haa += 1e-9;
            hbb += 1e-9;
            var det = haa * hbb - hab * hab;
            if (Math.Abs(det) < 1e-18 || Math.Abs(ga) + Math.Abs(gb) < 1e-9)
            {
                break;
            }

            var da = (hbb * ga - hab * gb) / det;
            var db = (haa * gb - hab * ga) / det;
            var step = 1.0;
            while (step > 1e-10)
            {
                var next = Loss(samples, a - step * da, b - step * db, high, low);
                if (next < loss)
                {
                    (a, b, loss) = (a - step * da, b - step * db, next);
                    break;
                }

                step /= 2;
            }

            if (step <= 1e-10 || step * (Math.Abs(da) + Math.Abs(db)) < 1e-9)
            {
                break;
            }
        }

        return new ConfidenceCalibration { A = a > 0 ? a : 1e-3, B = b, FittedOn = samples.Count };
    }

    /// <summary>Expected calibration error: the record-weighted gap between mean confidence and accuracy over 15 equal-width bins.</summary>
    public static double ExpectedCalibrationError(IEnumerable<(double Confidence, bool Correct)> samples, int bins = 15)
    {
        var count = new long[bins];
        var confidence = new double[bins];
        var correct = new long[bins];
        long total = 0;
        foreach (var (p, right) in samples)
        {
            var bin = Math.Clamp((int)(p * bins), 0, bins - 1);
            count[bin]++;
            confidence[bin] += p;
            correct[bin] += right ? 1 : 0;
            total++;
        }

        if (total == 0)
        {
            return 0;
        }

        double error = 0;
        for (var bin = 0; bin < bins; bin++)
        {
            if (count[bin] > 0)
            {
                error += Math.Abs(confidence[bin] / count[bin] - (double)correct[bin] / count[bin]) * count[bin] / total;
            }
        }

        return error;
    }
}
