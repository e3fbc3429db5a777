using System.Globalization;

namespace Siem.Training;

public enum TrainerKind
{
    LightGbm,
    LbfgsMaximumEntropy,
    FastTreeOva,
}

/// <summary>A trainer and its options: what a trial or the shipped model was trained with.</summary>
public sealed record TrainerSettings
{
    // The defaults are the shipped model's trainer (chosen by the leave-one-attack-out search; see the card).
    public TrainerKind Kind { get; init; } = TrainerKind.LightGbm;
    public int Iterations { get; init; } = 100;
    public int Leaves { get; init; } = 31;
    public double LearningRate { get; init; } = 0.1;
    public int MinExamplesPerLeaf { get; init; } = 5;

    /// <summary>Example weight per KDD category (normal, probe, dos, u2r, r2l), so rare categories count.</summary>
    public IReadOnlyList<double> CategoryWeights { get; init; } = [1, 1, 1, 1, 1];

    /// <summary>Train on distinct (features, label) rows only, as NSL-KDD does, so floods do not dominate.</summary>
    public bool Deduplicate { get; init; } = true;

    public string Name => Kind switch
    {
        TrainerKind.LightGbm => $"LightGbm-{Iterations}x{Leaves}",
        TrainerKind.FastTreeOva => $"FastTreeOva-{Iterations}x{Leaves}",
        _ => Kind.ToString(),
    };

    public IReadOnlyDictionary<string, string> Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var options = new Dictionary<string, string>
        {
            ["trainer"] = Kind.ToString(),
            ["categoryWeights"] = string.Join(" ", CategoryWeights.Select(w => w.ToString(c))),
            ["deduplicate"] = Deduplicate.ToString(c),
        };
        if (Kind != TrainerKind.LbfgsMaximumEntropy)
        {
            options["iterations"] = Iterations.ToString(c);
            options["leaves"] = Leaves.ToString(c);
            options["learningRate"] = LearningRate.ToString(c);
            options["minExamplesPerLeaf"] = MinExamplesPerLeaf.ToString(c);
        }

        if (Kind == TrainerKind.LightGbm)
        {
            options["useSoftmax"] = "false";
            options["useCategoricalSplit"] = "false";
        }

        return options;
    }
}
