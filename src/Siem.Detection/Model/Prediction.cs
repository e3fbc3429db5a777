using Siem.Domain.Labels;

namespace Siem.Detection.Model;

/// <summary>The verdict on one record.</summary>
/// <param name="Label">The predicted class (one of the model's labels).</param>
/// <param name="Category">The KDD category of the verdict (cost-minimising, see <see cref="DecisionPolicy"/>).</param>
/// <param name="Confidence">The model's probability for <paramref name="Label"/>.</param>
/// <param name="Unknown">The record is unlike the training data: treat the label as a guess.</param>
/// <param name="Scores">Probabilities of every class, in the card's label order.</param>
public sealed record Prediction(string Label, KddCategory Category, float Confidence, bool Unknown, float[] Scores)
{
    public bool IsAlert => Category != KddCategory.Normal || Unknown;

    /// <summary>The <paramref name="count"/> likeliest classes with their probabilities.</summary>
    public IEnumerable<(int Index, float Score)> Top(int count) =>
        Scores.Select((s, i) => (i, s)).OrderByDescending(p => p.s).Take(count);
}
