using System.Diagnostics;
using Siem.Detection.Model;
using Siem.Detection.Reading;

namespace Siem.Bench;

/// <summary>`profile`: where the time of classifying the whole file goes (encode, classify cold and warm).</summary>
internal static class ProfileRun
{
    public static int Run()
    {
        var records = KddCsvReader.ReadFile(BenchData.KddFile(null)).Where(l => l.IsValid).Select(l => l.Record!).ToArray();
        var threads = int.Parse(Environment.GetEnvironmentVariable("ORT_THREADS") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var cache = int.Parse(Environment.GetEnvironmentVariable("SIEM_CACHE") ?? OnnxClassifier.DefaultCacheCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        using var classifier = OnnxClassifier.Load(BenchData.ShippedModel, threads, cache);
        var encoder = new FeatureEncoder(classifier.Card.Encoding);
        var vector = new float[encoder.Length];
        var clock = Stopwatch.StartNew();
        foreach (var r in records)
        {
            encoder.Encode(r, vector);
        }

        Console.WriteLine($"encode only:        {records.Length / clock.Elapsed.TotalSeconds,12:N0} records/s");
        var key = new float[FeatureEncoder.KeyLength];
        clock.Restart();
        var hashes = 0;
        foreach (var r in records)
        {
            encoder.WriteKey(r, key);
            var h = new HashCode();
            h.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key.AsSpan()));
            hashes ^= h.ToHashCode();
        }

        Console.WriteLine($"key + hash only:    {records.Length / clock.Elapsed.TotalSeconds,12:N0} records/s ({hashes})");
        foreach (var pass in new[] { "first pass (cold cache)", "second pass (warm cache)" })
        {
            clock.Restart();
            foreach (var batch in records.Chunk(1024))
            {
                classifier.Classify(batch);
            }

            Console.WriteLine($"classify, {pass}: {records.Length / clock.Elapsed.TotalSeconds,12:N0} records/s");
        }

        return 0;
    }
}
