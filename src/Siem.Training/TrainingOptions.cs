using Siem.Detection.Model;

namespace Siem.Training;

public sealed record TrainingOptions
{
    public required string DataPath { get; init; }
    public required string OutputDirectory { get; init; }
    public string Name { get; init; } = ModelFiles.DefaultModelName;
    public int Seed { get; init; } = 20261125;
    public double HoldOutFraction { get; init; } = 0.2;
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
