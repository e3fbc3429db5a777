using BenchmarkDotNet.Running;
using Siem.Bench;

// `whole-file [path]`: read+parse vs. predict over the whole KDD file, as records/s and a ratio.
// Anything else goes to BenchmarkDotNet (e.g. `--filter *`).
if (args.Length > 0 && args[0] == "ingest")
{
    return await IngestBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "flows")
{
    return await FlowBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "latency")
{
    return await LatencyBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "upload")
{
    return await UploadBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "upload-postgres")
{
    return await PostgresUploadBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "retrain")
{
    return await RetrainBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "retention")
{
    return await RetentionBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "profile")
{
    return ProfileRun.Run();
}

if (args.Length > 0 && args[0] == "queries-postgres")
{
    return await QueryBenchmark.RunAsync(args.Length > 1 ? args[1] : null, postgres: true);
}

if (args.Length > 0 && args[0] == "queries")
{
    return await QueryBenchmark.RunAsync(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "extract")
{
    return ExtractBenchmark.Run(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "bomb")
{
    return BombBenchmark.Run();
}

if (args.Length > 0 && args[0] == "week")
{
    return WeekBenchmark.Run(args.Length > 1 ? args[1] : null);
}

if (args.Length > 0 && args[0] == "whole-file")
{
    return WholeFileBenchmark.Run(args.Length > 1 ? args[1] : null);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
