using System.CommandLine;
using Siem.Cli.Seeding;
using Siem.Detection.Reading;
using Siem.Training;

namespace Siem.Cli.Commands;

/// <summary><c>siem seed --events N --out seed.csv.gz</c>: a big labelled file with a realistic mix over the last days, to upload or replay.</summary>
internal static class SeedCommand
{
    public static Command Create()
    {
        var events = new Option<long>("--events") { Description = "How many records to generate", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write them (KDD CSV with timestamp, src_ip, dst_ip and label; gzip when it ends in .gz)", Required = true };
        var days = new Option<int>("--days") { Description = "Spread the timestamps over this many days before now", DefaultValueFactory = _ => 7 };
        var source = new Option<FileInfo?>("--source") { Description = "Labelled records to draw from (default: the KDD training file, SIEM_TRAINING_DATA or ../shared/data)" };
        var seed = new Option<int>("--seed") { Description = "Random seed (the same seed gives the same file)", DefaultValueFactory = _ => 1 };
        var command = new Command("seed", "Generate a big labelled file with a realistic label mix and timestamps over the last days") { events, output, days, source, seed };
        command.SetAction((parse, cancel) => CliOptions.Guard(() => Task.FromResult(Run(
            parse.GetValue(events), parse.GetValue(output)!, parse.GetValue(days), parse.GetValue(source), parse.GetValue(seed), cancel))));
        return command;
    }

    private static int Run(long count, FileInfo output, int days, FileInfo? source, int seed, CancellationToken cancel)
    {
        if (count <= 0 || days <= 0)
        {
            Console.Error.WriteLine("error: --events and --days must be positive.");
            return CliOptions.ExitBadInput;
        }

        var sourcePath = source?.FullName ?? TrainingDataLocation.Default();
        var records = KddCsvReader.ReadFile(sourcePath).Where(l => l.IsValid).Select(l => l.Record!).ToList();
        var generator = new SeedGenerator(records, DateTimeOffset.UtcNow, days, seed);
        var progress = new ConsoleProgress("records");
        long written = 0;
        using (var writer = new KddCsvWriter(output.FullName, withLabel: true))
        {
            foreach (var record in generator.Generate(count))
            {
                cancel.ThrowIfCancellationRequested();
                writer.Write(record);
                progress.Report(++written);
            }
        }

        progress.Report(written, final: true);
        Console.Error.WriteLine($"{written:N0} records over {days} days from {records.Count:N0} source records written to {output.FullName}");
        return CliOptions.ExitOk;
    }
}
