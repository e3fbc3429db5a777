using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training;

/// <summary>
/// An ML.NET multiclass model over the <see cref="FeatureEncoding"/> vector. The label-to-key mapping is
/// fitted outside the exported transformer so the ONNX file has exactly one input (the feature vector),
/// and its key order is pinned to the KDD training-class order so the score order is known.
/// </summary>
public sealed class MlNetModel
{
    public const string FeaturesColumn = "Features";
    public const string ScoreColumn = "Score";

    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly FeatureEncoder _encoder;
    private readonly SchemaDefinition _featuresOnly;

    private MlNetModel(MLContext ml, ITransformer model, FeatureEncoder encoder, IReadOnlyList<string> labels, SchemaDefinition featuresOnly)
    {
        _ml = ml;
        _model = model;
        _encoder = encoder;
        Labels = labels;
        _featuresOnly = featuresOnly;
    }

    /// <summary>Class names in score order (read back from the model's slot names).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <param name="site">Labelled records of the site's own traffic, each weighing <paramref name="siteWeight"/> KDD records.</param>
    public static MlNetModel Train(TrainerSettings settings, FeatureEncoding encoding, IEnumerable<ConnectionRecord> records, int seed,
        IEnumerable<ConnectionRecord>? site = null, double siteWeight = 1, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ml = new MLContext(seed);
        var encoder = new FeatureEncoder(encoding);
        var rows = BuildRows(settings, encoder, records);
        if (site is not null)
        {
            rows.AddRange(BuildRows(settings, encoder, site).Select(r => { r.Weight *= (float)siteWeight; return r; }));
        }

        var rowSchema = SchemaDefinition.Create(typeof(TrainingRow));
        rowSchema[nameof(TrainingRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, encoder.Length);
        var data = ml.Data.LoadFromEnumerable(rows, rowSchema);

        var classOrder = ml.Data.LoadFromEnumerable(KddLabels.TrainingClasses.Select(l => new LabelRow { Label = l.Name }));
        var keyed = ml.Transforms.Conversion
            .MapValueToKey(nameof(TrainingRow.Label), keyData: classOrder)
            .Fit(data)
            .Transform(data);

        var model = CreateTrainer(ml, settings, seed).Fit(keyed);
        // ML.NET's own cancellation is in Microsoft.ML.Experimental (not served here): a cancelled run stops after this fit (~11 s for the shipped trainer).
        cancellationToken.ThrowIfCancellationRequested();

        var featuresOnly = SchemaDefinition.Create(typeof(FeatureRow));
        featuresOnly[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, encoder.Length);

        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        model.Transform(keyed).Schema[ScoreColumn].GetSlotNames(ref slotNames);
        var labels = slotNames.DenseValues().Select(s => s.ToString()).ToArray();
        return new MlNetModel(ml, model, encoder, labels, featuresOnly);
    }

    /// <summary>
    /// Each category's share of the total example weight the trainer sees (after de-duplication and category
    /// weights): the prior the model's scores carry, which a decision policy may divide out.
    /// </summary>
    public static double[] CategoryShares(TrainerSettings settings, FeatureEncoding encoding, IEnumerable<ConnectionRecord> records)
    {
        var totals = new double[KddCategoryNames.All.Count];
        foreach (var row in BuildRows(settings, new FeatureEncoder(encoding), records))
        {
            totals[(int)(KddLabels.CategoryOf(row.Label) ?? KddCategory.Normal)] += row.Weight;
        }

        var sum = totals.Sum();
        return totals.Select(t => t / sum).ToArray();
    }

    /// <summary>Raw ML.NET scores for the given records (for checking the ONNX export against).</summary>
    public float[][] Score(IEnumerable<ConnectionRecord> records)
    {
        var rows = records.Select(r => new FeatureRow { Features = _encoder.Encode(r) }).ToArray();
        var scored = _model.Transform(_ml.Data.LoadFromEnumerable(rows, _featuresOnly));
        return scored.GetColumn<float[]>(ScoreColumn).ToArray();
    }

    /// <summary>Writes <c>name.onnx</c> and a card describing its input, outputs and labels; returns the card.</summary>
    public ModelCard Export(string directory, string name, DecisionPolicy decision)
    {
        var onnxPath = ModelFiles.OnnxPath(directory, name);
        ExportOnnx(onnxPath);
        var card = new ModelCard
        {
            Name = name,
            CreatedUtc = DateTimeOffset.UtcNow,
            Labels = Labels,
            Input = new ModelInput(FeaturesColumn, _encoder.Length),
            Outputs = new ModelOutputs(ScoreOutputName(onnxPath)),
            Encoding = _encoder.Encoding,
            Decision = decision,
        };
        card.Save(ModelFiles.CardPath(directory, name));
        return card;
    }

    private static string ScoreOutputName(string onnxPath)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnxPath);
        return session.OutputMetadata.Keys.FirstOrDefault(k => k.StartsWith(ScoreColumn, StringComparison.Ordinal))
               ?? throw new InvalidDataException($"Exported model {onnxPath} has no Score output.");
    }

    /// <summary>Writes the ONNX file (input: Features; output: Score only).</summary>
    private void ExportOnnx(string path)
    {
        var sample = _ml.Data.LoadFromEnumerable(
            [new FeatureRow { Features = new float[_encoder.Length] }], _featuresOnly);
        using var stream = File.Create(path);
        _ml.Model.ConvertToOnnx(_model, sample, stream, ScoreColumn);
    }

    private static List<TrainingRow> BuildRows(TrainerSettings settings, FeatureEncoder encoder, IEnumerable<ConnectionRecord> records)
    {
        var weights = settings.CategoryWeights;
        var seen = settings.Deduplicate ? new HashSet<RowKey>() : null;
        var rows = new List<TrainingRow>();
        foreach (var record in records)
        {
            var features = encoder.Encode(record);
            if (seen is not null && !seen.Add(new RowKey(features, record.Label!)))
            {
                continue;
            }

            var category = KddLabels.CategoryOf(record.Label) ?? KddCategory.Normal;
            rows.Add(new TrainingRow { Features = features, Label = record.Label!, Weight = (float)weights[(int)category] });
        }

        return rows;
    }

    private static IEstimator<ITransformer> CreateTrainer(MLContext ml, TrainerSettings settings, int seed) => settings.Kind switch
    {
        TrainerKind.LightGbm => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
        {
            LabelColumnName = nameof(TrainingRow.Label),
            FeatureColumnName = FeaturesColumn,
            ExampleWeightColumnName = nameof(TrainingRow.Weight),
            NumberOfIterations = settings.Iterations,
            NumberOfLeaves = settings.Leaves,
            LearningRate = settings.LearningRate,
            MinimumExampleCountPerLeaf = settings.MinExamplesPerLeaf,
            // Categorical splits produce trees ONNX Runtime refuses; softmax produces NaN scores after export.
            UseCategoricalSplit = false,
            UseSoftmax = false,
            Seed = seed,
            Deterministic = true,
            NumberOfThreads = 1,
            Silent = true,
        }),
        TrainerKind.FastTreeOva => ml.MulticlassClassification.Trainers.OneVersusAll(
            ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                FeatureColumnName = FeaturesColumn,
                ExampleWeightColumnName = nameof(TrainingRow.Weight),
                NumberOfTrees = settings.Iterations,
                NumberOfLeaves = settings.Leaves,
                LearningRate = settings.LearningRate,
                MinimumExampleCountPerLeaf = settings.MinExamplesPerLeaf,
                NumberOfThreads = 1,
            }),
            labelColumnName: nameof(TrainingRow.Label)),
        TrainerKind.LbfgsMaximumEntropy => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            LabelColumnName = nameof(TrainingRow.Label),
            FeatureColumnName = FeaturesColumn,
            ExampleWeightColumnName = nameof(TrainingRow.Weight),
            // Bounded so a trial finishes in about a minute; the linear model is here for its speed.
            MaximumNumberOfIterations = 100,
            NumberOfThreads = 1,
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown trainer"),
    };

    private sealed class TrainingRow
    {
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
        public float Weight { get; set; }
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class LabelRow
    {
        public string Label { get; set; } = "";
    }

    /// <summary>Equality over the encoded vector and label, for de-duplication.</summary>
    private readonly struct RowKey(float[] features, string label) : IEquatable<RowKey>
    {
        public bool Equals(RowKey other) => label == other.Label && features.AsSpan().SequenceEqual(other.Features);

        public override bool Equals(object? obj) => obj is RowKey other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(features.AsSpan()));
            hash.Add(label);
            return hash.ToHashCode();
        }

        private float[] Features => features;
        private string Label => label;
    }
}
