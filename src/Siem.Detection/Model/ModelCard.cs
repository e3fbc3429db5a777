using System.Text.Json;
using System.Text.Json.Serialization;

namespace Siem.Detection.Model;

/// <summary>
/// What ships beside the ONNX file (<c>models/&lt;name&gt;.model.json</c>): the label list in score order,
/// the input encoding, where the model came from, how it was trained and how well it does.
/// </summary>
public sealed record ModelCard
{
    public required string Name { get; init; }
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Class names in the order of the model's score vector.</summary>
    public required IReadOnlyList<string> Labels { get; init; }

    public required ModelInput Input { get; init; }
    public required ModelOutputs Outputs { get; init; }
    public required FeatureEncoding Encoding { get; init; }
    public required DecisionPolicy Decision { get; init; }
    public TrainingData? TrainingData { get; init; }
    public TrainerDescription? Trainer { get; init; }
    public ModelMetrics? Metrics { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static ModelCard Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<ModelCard>(stream, JsonOptions)
                   ?? throw new InvalidDataException($"Model card {path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Model card {path} is not valid: {e.Message}", e);
        }
    }

    public void Save(string path)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, this, JsonOptions);
    }
}

public sealed record ModelInput(string Name, int Length);

public sealed record ModelOutputs(string Scores);

public sealed record TrainingData(string File, string Sha256, long Records, long Rejected, IReadOnlyDictionary<string, long> LabelCounts)
{
    /// <summary>The site's labelled files trained on beside the KDD data (name, SHA-256, records), with the weight of one site record.</summary>
    public IReadOnlyList<SiteFile> SiteFiles { get; init; } = [];

    public double SiteWeight { get; init; } = 1;
}

public sealed record SiteFile(string File, string Sha256, long Records);

public sealed record TrainerDescription(string Name, IReadOnlyDictionary<string, string> Options, string Why, IReadOnlyList<TrainerTrial> Trials)
{
    /// <summary>Every decision policy tried on the leave-one-attack-out folds (trainer, priors, unknown rate).</summary>
    public IReadOnlyList<PolicyTrialResult> PolicyTrials { get; init; } = [];
}

/// <summary>One decision policy measured on a trainer's leave-one-attack-out folds.</summary>
public sealed record PolicyTrialResult(
    string Trainer, double PriorExponent, IReadOnlyList<double> PriorWeights, double UnknownRate,
    double BalancedCost, double MeanDetectionRate, double NormalFalseAlarmRate)
{
    /// <summary>Whether the content rules were on in this trial.</summary>
    public bool ContentRules { get; init; }
}

/// <summary>One candidate trainer measured on the same split: accuracy and speed.</summary>
public sealed record TrainerTrial(string Name, double Accuracy, double MacroF1, double CostPerExample, double TrainSeconds, double RecordsPerSecondBatch1024);
