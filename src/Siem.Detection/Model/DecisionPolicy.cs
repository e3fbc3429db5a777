namespace Siem.Detection.Model;

/// <summary>
/// How raw class scores become a verdict. The model scores 23 classes; the policy then (1) picks the
/// KDD category with the lowest expected cost under the official cost matrix, with class priors
/// re-weighted by <see cref="CategoryPriorWeights"/>, and (2) raises <c>unknown</c> when the record is
/// unlike the training data: a top score below <see cref="UnknownConfidenceThreshold"/>, or a service
/// never seen in training.
/// </summary>
public sealed record DecisionPolicy
{
    /// <summary>
    /// The false-alarm limit policies are chosen within: normal recall at least 99.5 % on held-out normal traffic, half a
    /// point of margin for the goal of 99 % on traffic the model never saw (the previous model flagged 0.25 % of held-out
    /// normal traffic and 0.7 % of an unseen test set's).
    /// </summary>
    public const double MaxNormalFalseAlarmRate = 0.005;

    /// <summary>Predictions whose top class confidence (calibrated when <see cref="Calibration"/> is set) is below this are flagged unknown.</summary>
    public required double UnknownConfidenceThreshold { get; init; }

    /// <summary>Multipliers for each category's probability (normal, probe, dos, u2r, r2l) before the cost decision.</summary>
    public required IReadOnlyList<double> CategoryPriorWeights { get; init; }

    /// <summary>Whether a record flagged unknown that the model calls normal is reported as its likeliest attack.</summary>
    public bool UnknownIsAttack { get; init; }

    /// <summary>Whether the <see cref="ContentRule"/>s may turn a normal verdict into their category.</summary>
    public bool ContentRules { get; init; }

    /// <summary>Maps class probabilities to calibrated confidences; none keeps the model's normalised scores.</summary>
    public ConfidenceCalibration? Calibration { get; init; }

    public string? Notes { get; init; }

    public static DecisionPolicy ArgMax { get; } = new()
    {
        UnknownConfidenceThreshold = 0,
        CategoryPriorWeights = [1, 1, 1, 1, 1],
    };
}
