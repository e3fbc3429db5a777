using BenchmarkDotNet.Attributes;
using Siem.Detection.Reading;

namespace Siem.Bench;

/// <summary>Read+parse of 100,000 KDD lines held in memory (no disk, no gzip).</summary>
[MemoryDiagnoser]
public class ReaderBenchmarks
{
    private const int Lines = 100_000;
    private byte[] _text = [];

    [GlobalSetup]
    public void Setup() => _text = BenchData.FirstLines(Lines);

    [Benchmark(OperationsPerInvoke = Lines)]
    public int ReadAndParse()
    {
        var valid = 0;
        foreach (var line in KddCsvReader.Read(new MemoryStream(_text)))
        {
            valid += line.IsValid ? 1 : 0;
        }

        return valid;
    }
}
