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
    /// <summary>Predictions whose top class score is below this are flagged unknown.</summary>
    public required double UnknownConfidenceThreshold { get; init; }

    /// <summary>Multipliers for each category's probability (normal, probe, dos, u2r, r2l) before the cost decision.</summary>
    public required IReadOnlyList<double> CategoryPriorWeights { get; init; }

    /// <summary>Whether a record flagged unknown that the model calls normal is reported as its likeliest attack.</summary>
    public bool UnknownIsAttack { get; init; }

    public string? Notes { get; init; }

    public static DecisionPolicy ArgMax { get; } = new()
    {
        UnknownConfidenceThreshold = 0,
        CategoryPriorWeights = [1, 1, 1, 1, 1],
    };
}
