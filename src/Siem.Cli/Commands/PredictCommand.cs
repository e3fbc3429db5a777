using System.CommandLine;
using Siem.Detection.Pipeline;
using Siem.Detection.Reading;

namespace Siem.Cli.Commands;

/// <summary><c>siem predict &lt;file&gt; --out predictions.csv</c>: one prediction row per good input line.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var file = CliOptions.InputFile("Connection records: CSV or CSV.gz, with or without header and label");
        var output = new Option<FileInfo>("--out") { Description = "Where to write predictions (CSV)", Required = true };
        var model = CliOptions.Model();
        var command = new Command("predict", "Classify every record of a file") { file, output, model };
        command.SetAction((parse, cancel) => CliOptions.Guard(() =>
            RunAsync(parse.GetValue(file)!, parse.GetValue(output)!, parse.GetValue(model), cancel)));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo input, FileInfo output, string? modelPath, CancellationToken cancel)
    {
        using var classifier = CliOptions.LoadModel(modelPath);
        var progress = new ConsoleProgress("records");
        long classified = 0, rejected = 0;
        using (var writer = new PredictionCsvWriter(output.FullName))
        {
            await ClassificationPipeline.RunAsync(KddCsvReader.ReadFile(input.FullName), classifier, batch =>
            {
                writer.Write(batch, (line, reason) =>
                {
                    rejected++;
                    Console.Error.WriteLine($"line {line}: {reason}");
                });
                classified += batch.Records.Count;
                progress.Report(classified);
            }, cancellationToken: cancel);
        }

        progress.Report(classified, final: true);
        await Console.Error.WriteLineAsync($"{classified:N0} records classified, {rejected:N0} lines rejected; predictions in {output.FullName}");
        return classified > 0 ? CliOptions.ExitOk : CliOptions.ExitNothingClassified;
    }
}
