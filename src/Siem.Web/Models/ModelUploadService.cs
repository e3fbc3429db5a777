using Microsoft.Extensions.Options;
using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.Domain.Records;
using Siem.Store;
using Siem.Store.Models;
using Siem.Store.Persistence;
using Siem.Training;

namespace Siem.Web.Models;

/// <summary>
/// Bring your own model: an admin uploads an ONNX file with its card (e.g. a Keras network exported with tf2onnx).
/// It is checked against the card (input name and width, the encoding, score width, labels the app knows), evaluated
/// on the KDD held-out split like the trained versions, and registered as a version to activate like the others.
/// </summary>
public sealed class ModelUploadService(ModelVersionService versions, RetrainService training, IOptions<SiemOptions> options, ILogger<ModelUploadService> logger)
{
    public const long MaxCardBytes = 4 * 1024 * 1024;

    /// <summary>Stores, checks, evaluates and registers an uploaded model; <see cref="InvalidInputException"/> says what does not fit.</summary>
    public async Task<ModelVersionView> UploadAsync(Stream onnx, long onnxLength, Stream card, long cardLength, string? name, string actor, CancellationToken cancellationToken = default)
    {
        var maxModel = options.Value.Training.MaxUploadedModelBytes;
        if (onnxLength <= 0 || cardLength <= 0)
        {
            throw new InvalidInputException("Upload both the .onnx model and its .model.json card.");
        }

        if (onnxLength > maxModel || cardLength > MaxCardBytes)
        {
            throw new InvalidInputException($"The model may be at most {maxModel:N0} bytes and its card {MaxCardBytes:N0} bytes (Siem:Training:MaxUploadedModelBytes).");
        }

        var folder = versions.NewVersionFolder(ModelVersionKind.Uploaded);
        try
        {
            var onnxPath = ModelFiles.OnnxPath(folder, ModelFiles.DefaultModelName);
            var cardPath = ModelFiles.CardPath(folder, ModelFiles.DefaultModelName);
            await CopyAsync(onnx, onnxPath, cancellationToken);
            await CopyAsync(card, cardPath, cancellationToken);
            var checkedCard = Check(cardPath);
            using var classifier = Load(cardPath);
            var (heldOut, evaluatedOn) = await EvaluateAsync(classifier, cancellationToken);
            (checkedCard with { Metrics = new ModelMetrics { HeldOut = heldOut } }).Save(cardPath); // the app's own figures, not the uploader's
            var source = $"uploaded by {actor} (card \"{checkedCard.Name}\", {checkedCard.Labels.Count} classes, input width {checkedCard.Input.Length})" +
                         (heldOut is null ? "; not evaluated: the KDD training file is not available" : $"; evaluated on the held-out split of {evaluatedOn}");
            var version = await versions.RegisterAsync(ModelVersionKind.Uploaded, cardPath, string.IsNullOrWhiteSpace(name) ? checkedCard.Name : name.Trim(), actor, source, cancellationToken);
            logger.LogInformation("Model uploaded by {Actor} as version {Version}", actor, version.Id);
            return version;
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    private static async Task CopyAsync(Stream from, string path, CancellationToken cancellationToken)
    {
        await using var to = File.Create(path);
        await from.CopyToAsync(to, cancellationToken);
    }

    /// <summary>The card parses and names labels and features the app knows.</summary>
    private static ModelCard Check(string cardPath)
    {
        ModelCard card;
        try
        {
            card = ModelCard.Load(cardPath);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidInputException($"The card is not a valid model card: {e.Message}");
        }

        var problems = new List<string>();
        var unknown = card.Labels.Where(l => KddLabels.Find(l) is null).ToList();
        if (unknown.Count > 0)
        {
            problems.Add($"labels the app does not know: {string.Join(", ", unknown.Take(10))} (labels are KDD class names such as normal, smurf, neptune)");
        }

        if (!card.Labels.Contains(KddLabels.Normal))
        {
            problems.Add("no \"normal\" label");
        }

        if (card.Labels.Distinct(StringComparer.Ordinal).Count() != card.Labels.Count)
        {
            problems.Add("a label is listed twice");
        }

        try
        {
            _ = new FeatureEncoder(card.Encoding);
        }
        catch (InvalidDataException e)
        {
            problems.Add($"its input encoding does not fit: {e.Message}");
        }

        return problems.Count == 0 ? card : throw new InvalidInputException($"The card does not fit this app: {string.Join("; ", problems)}.");
    }

    /// <summary>The model loads, agrees with its card and scores a record.</summary>
    private static OnnxClassifier Load(string cardPath)
    {
        OnnxClassifier? classifier = null;
        try
        {
            classifier = OnnxClassifier.Load(cardPath, cacheCapacity: 0);
            var probe = ConnectionRecord.FromFeatures("tcp", "http", "SF", new double[KddFeatures.NumericCount]);
            _ = classifier.Classify(probe);
            return classifier;
        }
        catch (Exception e) when (e is InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or ArgumentException or IndexOutOfRangeException)
        {
            classifier?.Dispose();
            throw new InvalidInputException($"The model does not fit its card: {e.Message}");
        }
    }

    /// <summary>The KDD held-out split (the one every trained version's card reports), when the training file is here.</summary>
    private async Task<(EvaluationReport? Report, string? File)> EvaluateAsync(OnnxClassifier classifier, CancellationToken cancellationToken)
    {
        string path;
        try
        {
            path = training.TrainingDataPath();
        }
        catch (InvalidInputException e)
        {
            logger.LogWarning("Uploaded model not evaluated: {Reason}", e.Message);
            return (null, null);
        }

        return await Task.Run(() =>
        {
            var (_, holdOut) = LabelledSet.Load(path).Split(TrainingOptions.DefaultHoldOutFraction, TrainingOptions.DefaultSeed);
            cancellationToken.ThrowIfCancellationRequested();
            return ((EvaluationReport?)ModelTrainer.Evaluate(classifier, holdOut), Path.GetFileName(path));
        }, cancellationToken);
    }
}
