using Siem.Detection.Model;

namespace Siem.Store.Models;

/// <summary>A loaded model and the <see cref="Persistence.ModelVersion"/> it is (0 before the versions are read at start).</summary>
public sealed record LoadedModel(int VersionId, OnnxClassifier Classifier);

/// <summary>
/// The model that classifies new records. A job or streaming request takes <see cref="Current"/> once and keeps
/// it to the end, so one batch is never split between two versions; activation swaps it for the next ones.
/// </summary>
public sealed class ActiveModel(OnnxClassifier shipped, string shippedCardPath)
{
    private volatile LoadedModel _current = new(0, shipped);

    public LoadedModel Current => _current;

    public OnnxClassifier Classifier => _current.Classifier;

    /// <summary>The model shipped with the app (or configured by <c>Siem:ModelPath</c>): always loaded, the fallback.</summary>
    public OnnxClassifier Shipped { get; } = shipped;

    public string ShippedCardPath { get; } = shippedCardPath;

    /// <summary>
    /// Makes <paramref name="model"/> the one new records get. The replaced classifier is not disposed: a job that
    /// took it may still be classifying (each holds one ONNX session, ~5 MB for the shipped trees).
    /// </summary>
    internal void Swap(LoadedModel model) => _current = model;

    public static ActiveModel LoadShipped(string? configuredPath)
    {
        var path = string.IsNullOrWhiteSpace(configuredPath) ? ModelFiles.FindDefault() : configuredPath;
        var (_, card) = ModelFiles.Resolve(path);
        return new ActiveModel(OnnxClassifier.Load(card), Path.GetFullPath(card));
    }
}
