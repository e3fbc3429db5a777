using System.CommandLine;
using System.Text.Json;
using Siem.Detection.Evaluation;
using Siem.Detection.Model;
using Siem.Detection.Pipeline;
using Siem.Detection.Reading;

namespace Siem.Cli.Commands;

/// <summary><c>siem evaluate &lt;labelled file&gt;</c>: accuracy, macro-F1, per class, 5-category confusion, KDD cost.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var file = CliOptions.InputFile("Labelled connection records (the 42nd column or a 'label' header column)");
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var model = CliOptions.Model();
        var command = new Command("evaluate", "Measure the model on a labelled file") { file, json, model };
        command.SetAction((parse, cancel) => CliOptions.Guard(() =>
            RunAsync(parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(model), cancel)));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo input, bool asJson, string? modelPath, CancellationToken cancel)
    {
        using var classifier = CliOptions.LoadModel(modelPath);
        var accumulator = new EvaluationAccumulator(classifier.Labels);
        var progress = new ConsoleProgress("records");
        long classified = 0, rejected = 0, unlabelled = 0;
        await ClassificationPipeline.RunAsync(KddCsvReader.ReadFile(input.FullName), classifier, batch =>
        {
            rejected += batch.Lines.Count - batch.Records.Count;
            for (var i = 0; i < batch.Records.Count; i++)
            {
                if (batch.Records[i].Label is { } label)
                {
                    accumulator.Add(label, batch.Predictions[i]);
                }
                else
                {
                    unlabelled++;
                }
            }

            classified += batch.Records.Count;
            progress.Report(classified);
        }, cancellationToken: cancel);
        progress.Report(classified, final: true);

        var report = accumulator.Report();
        if (report.Records == 0)
        {
            await Console.Error.WriteLineAsync($"error: {input.Name} has no labelled records to evaluate ({unlabelled:N0} unlabelled, {rejected:N0} rejected lines).");
            return CliOptions.ExitNothingClassified;
        }

        if (rejected > 0)
        {
            await Console.Error.WriteLineAsync($"{rejected:N0} lines rejected (run 'siem predict' to list them)");
        }

        Console.WriteLine(asJson ? JsonSerializer.Serialize(report, ModelCard.JsonOptions) : EvaluationText.Format(report));
        return CliOptions.ExitOk;
    }
}
