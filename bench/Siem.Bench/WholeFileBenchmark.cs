using System.Diagnostics;
using Siem.Detection.Model;
using Siem.Detection.Pipeline;
using Siem.Detection.Reading;

namespace Siem.Bench;

/// <summary>
/// The whole 494,021-record file: read+parse alone, then the `siem predict` path (read, classify in a
/// pipeline, format every prediction), each the best of three runs, and their ratio.
/// </summary>
internal static class WholeFileBenchmark
{
    public static int Run(string? path)
    {
        var file = BenchData.KddFile(path);
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"KDD file not found: {file} (set SIEM_TRAINING_DATA or pass a path)");
            return 2;
        }

        using var classifier = OnnxClassifier.Load(BenchData.ShippedModel);
        Console.WriteLine($"file: {file}");
        Console.WriteLine($"model: {classifier.Card.Name} ({classifier.Card.Trainer?.Name}), {Environment.ProcessorCount} cores");

        var (parseSeconds, records) = Best(() => ReadOnly(file));
        var (predictSeconds, predicted) = Best(() => Predict(file, classifier));
        if (predicted != records)
        {
            throw new InvalidOperationException($"predict saw {predicted} records, read saw {records}");
        }

        Console.WriteLine($"read+parse:          {records:N0} records in {parseSeconds:F2}s = {records / parseSeconds,12:N0} records/s");
        Console.WriteLine($"predict (pipeline):  {records:N0} records in {predictSeconds:F2}s = {records / predictSeconds,12:N0} records/s");
        Console.WriteLine($"ratio predict / read+parse time: {predictSeconds / parseSeconds:F2} (target <= 2.0)");
        return 0;
    }

    private static long ReadOnly(string file) => KddCsvReader.ReadFile(file).LongCount(l => l.IsValid);

    private static long Predict(string file, OnnxClassifier classifier)
    {
        long count = 0;
        using var sink = new StreamWriter(Stream.Null);
        ClassificationPipeline.RunAsync(KddCsvReader.ReadFile(file), classifier, batch =>
        {
            var next = 0;
            foreach (var line in batch.Lines)
            {
                if (line.IsValid)
                {
                    var p = batch.Predictions[next++];
                    sink.Write($"{line.LineNumber},{p.Label},{p.Category},{p.Confidence:0.####},{p.Unknown}\n");
                }
            }

            count += batch.Records.Count;
        }).GetAwaiter().GetResult();
        return count;
    }

    private static (double Seconds, long Count) Best(Func<long> run)
    {
        var best = double.MaxValue;
        long count = 0;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            count = run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return (best, count);
    }
}
