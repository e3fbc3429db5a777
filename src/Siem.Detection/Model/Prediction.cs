using Siem.Domain.Labels;

namespace Siem.Detection.Model;

/// <summary>The verdict on one record.</summary>
/// <param name="Label">The predicted class (one of the model's labels).</param>
/// <param name="Category">The KDD category of the verdict (cost-minimising, see <see cref="DecisionPolicy"/>).</param>
/// <param name="Confidence">The model's probability for <paramref name="Label"/>.</param>
/// <param name="Unknown">The record is unlike the training data: treat the label as a guess.</param>
/// <param name="Scores">Probabilities of every class, in the card's label order.</param>
/// <param name="ClosestLabel">The model's likeliest class (which may be normal), whatever the decision.</param>
/// <param name="ClosestConfidence">Its probability.</param>
public sealed record Prediction(string Label, KddCategory Category, float Confidence, bool Unknown, float[] Scores, string ClosestLabel = "", float ClosestConfidence = 0)
{
    /// <summary>What a record is shown as: "unknown" when the record is unlike the training data, else its class.</summary>
    public const string UnknownVerdict = "unknown";

    public bool IsAlert => Category != KddCategory.Normal || Unknown;

    /// <summary>The <see cref="ContentRule"/> that made this verdict an attack where the model said normal; null when the model decided.</summary>
    public string? Rule { get; init; }

    /// <summary>
    /// The honest verdict: an unknown record is unknown traffic, never a known attack name with a tiny probability
    /// (its closest class is <see cref="ClosestLabel"/>, shown apart). <see cref="Label"/> stays the decision's class,
    /// for evaluations comparable with earlier ones.
    /// </summary>
    public string Verdict => Unknown ? UnknownVerdict : Label;

    /// <summary>The probability that goes with <see cref="Verdict"/>: the closest class's for an unknown record.</summary>
    public float VerdictConfidence => Unknown ? ClosestConfidence : Confidence;

    /// <summary>The <paramref name="count"/> likeliest classes with their probabilities.</summary>
    public IEnumerable<(int Index, float Score)> Top(int count) =>
        Scores.Select((s, i) => (i, s)).OrderByDescending(p => p.s).Take(count);
}
