using System.Globalization;
using nietras.SeparatedValues;
using Siem.Domain.Labels;

namespace Siem.Detection.Pipeline;

/// <summary>Writes <c>line,label,category,confidence,unknown</c>, one row per classified record (the `siem predict` output).</summary>
public sealed class PredictionCsvWriter : IDisposable
{
    private readonly SepWriter _writer;

    public PredictionCsvWriter(TextWriter output) =>
        _writer = Sep.New(',').Writer(o => o with { CultureInfo = CultureInfo.InvariantCulture }).To(output);

    public PredictionCsvWriter(string path) =>
        _writer = Sep.New(',').Writer(o => o with { CultureInfo = CultureInfo.InvariantCulture }).ToFile(path);

    /// <summary>Writes the good lines of a batch; calls <paramref name="onRejected"/> for each bad one.</summary>
    public void Write(ClassifiedBatch batch, Action<long, string>? onRejected = null)
    {
        var next = 0;
        foreach (var line in batch.Lines)
        {
            if (!line.IsValid)
            {
                onRejected?.Invoke(line.LineNumber, line.Error!);
                continue;
            }

            var prediction = batch.Predictions[next++];
            using var row = _writer.NewRow();
            row["line"].Format(line.LineNumber);
            row["label"].Set(prediction.Verdict);
            row["category"].Set(prediction.Category.ToName());
            row["confidence"].Format(MathF.Round(prediction.VerdictConfidence, 4));
            row["unknown"].Set(prediction.Unknown ? "true" : "false");
            row["closest_label"].Set(prediction.ClosestLabel);
            row["closest_confidence"].Format(MathF.Round(prediction.ClosestConfidence, 4));
            row["rule"].Set(prediction.Rule ?? "");
        }
    }

    public void Dispose() => _writer.Dispose();
}
