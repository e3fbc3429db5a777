using BenchmarkDotNet.Attributes;
using Siem.Detection.Model;
using Siem.Domain.Records;

namespace Siem.Bench;

/// <summary>Classification (encoding + ONNX Runtime + decision) per record, at batch 1 and batch 1024.</summary>
[MemoryDiagnoser]
public class ClassifierBenchmarks
{
    private const int Batch = 1024;
    private OnnxClassifier _classifier = null!;
    private ConnectionRecord[] _records = [];

    [GlobalSetup]
    public void Setup()
    {
        _classifier = OnnxClassifier.Load(BenchData.ShippedModel);
        _records = BenchData.Records(50_000).Where((_, i) => i % 7 == 0).Take(Batch).ToArray();
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

    [GlobalCleanup]
    public void Cleanup() => _classifier.Dispose();
}
