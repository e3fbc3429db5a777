using Siem.Detection.Model;

namespace Siem.Training;

public sealed record TrainingOptions
{
    public required string DataPath { get; init; }
    public required string OutputDirectory { get; init; }
    public string Name { get; init; } = ModelFiles.DefaultModelName;
    /// <summary>The split every shipped, retrained and evaluated model reports its held-out figures on.</summary>
    public const int DefaultSeed = 20261125;

    public const double DefaultHoldOutFraction = 0.2;

    public int Seed { get; init; } = DefaultSeed;
    public double HoldOutFraction { get; init; } = DefaultHoldOutFraction;
    public TrainerSettings Trainer { get; init; } = new();

    /// <summary>Also train the candidate trainers and record their accuracy and speed in the card.</summary>
    public bool CompareTrainers { get; init; } = true;

    /// <summary>Run leave-one-attack-type-out validation and calibrate the unknown threshold on it.</summary>
    public bool LeaveOneAttackOut { get; init; } = true;

    /// <summary>
    /// Share of held-out normal traffic the unknown threshold flags (its calibration point). Each 0.1 % of
    /// normal records flagged costs about 0.02 % of held-out accuracy when unknowns count as attacks.
    /// </summary>
    public double UnknownFalseAlarmRate { get; init; } = 0.0025;

    /// <summary>Labelled files of the site's own traffic (KDD CSV with labels, as the app exports them) trained on beside the KDD data.</summary>
    public IReadOnlyList<string> SitePaths { get; init; } = [];

    /// <summary>
    /// How many KDD records one site record weighs. Deduplicated KDD training has about 145,000 rows, a site
    /// baseline a few hundred distinct ones: at weight 10 a few hundred local examples outweigh the 1998 rows
    /// they contradict without swamping the rest.
    /// </summary>
    public double SiteWeight { get; init; } = 10;

    /// <summary>Share of each site file held out for evaluation: its last records (held out by time).</summary>
    public double SiteHoldOutFraction { get; init; } = 0.2;

    /// <summary>Prior exponent when no leave-one-attack-out search runs (see <see cref="PolicySearch.PriorWeights"/>): the shipped model's.</summary>
    public double PriorExponent { get; init; } = 0.5;

    /// <summary>Content rules when no leave-one-attack-out search runs.</summary>
    public bool ContentRules { get; init; } = true;

    /// <summary>Stops training between steps and inside ML.NET's trainers (an in-app retrain the admin cancels).</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Report records flagged unknown that the model calls normal as their likeliest attack.</summary>
    public bool UnknownIsAttack { get; init; } = true;

    /// <summary>The trainers compared on the same split (with the chosen trainer's example weights).</summary>
    public IReadOnlyList<TrainerSettings> Candidates() =>
    [
        Trainer with { Kind = TrainerKind.LightGbm, Iterations = 30, Leaves = 16, LearningRate = 0.2 },
        Trainer with { Kind = TrainerKind.LightGbm, Iterations = 100, Leaves = 31, LearningRate = 0.1 },
        Trainer with { Kind = TrainerKind.FastTreeOva, Iterations = 30, Leaves = 16, LearningRate = 0.2 },
        Trainer with { Kind = TrainerKind.LbfgsMaximumEntropy },
    ];
}
