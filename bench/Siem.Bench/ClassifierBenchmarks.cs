using BenchmarkDotNet.Attributes;
using Siem.Detection.Model;
using Siem.Domain.Records;

namespace Siem.Bench;

/// <summary>Classification (encoding + ONNX Runtime + decision) per record, at batch 1 and batch 1024, cache off.</summary>
[MemoryDiagnoser]
public class ClassifierBenchmarks
{
    private const int Batch = 1024;
    private OnnxClassifier _classifier = null!;
    private ConnectionRecord[] _records = [];
    private ConnectionRecord[] _other = [];

    [GlobalSetup]
    public void Setup()
    {
        // The cache would answer every repeat of these 1024 records: measure the model itself.
        _classifier = OnnxClassifier.Load(BenchData.ShippedModel, cacheCapacity: 0);
        var sample = BenchData.Records(50_000);
        _records = sample.Where((_, i) => i % 7 == 0).Take(Batch).ToArray();
        _other = sample.Where((_, i) => i % 7 == 3).Take(Batch).ToArray();
    }

    [Benchmark(OperationsPerInvoke = 64)]
    public int Batch1()
    {
        var alerts = 0;
        for (var i = 0; i < 64; i++)
        {
            alerts += _classifier.Classify([_records[i]])[0].IsAlert ? 1 : 0;
        }

        return alerts;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Batch1024() => _classifier.Classify(_records).Count(p => p.IsAlert);

    /// <summary>Two batches of 1024 at once, one per core: how the ingest pipeline uses the machine.</summary>
    [Benchmark(OperationsPerInvoke = 2 * Batch)]
    public int Batch1024OnBothCores()
    {
        var first = Task.Run(() => _classifier.Classify(_records).Length);
        var second = _classifier.Classify(_other).Length;
        return first.Result + second;
    }

    [GlobalCleanup]
    public void Cleanup() => _classifier.Dispose();
}
