using System.CommandLine;
using Siem.Detection.Model;
using Siem.Training;

namespace Siem.Cli.Commands;

/// <summary><c>siem train --data kddcup.data_10_percent.gz --out models/</c>: reproduces the shipped model.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<FileInfo?>("--data")
        {
            Description = "Labelled KDD training file (default: SIEM_TRAINING_DATA, else ../shared/data/kddcup.data_10_percent.gz)",
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for <name>.onnx and <name>.model.json", DefaultValueFactory = _ => new DirectoryInfo("models") };
        var name = new Option<string>("--name") { Description = "Model name", DefaultValueFactory = _ => ModelFiles.DefaultModelName };
        var quick = new Option<bool>("--quick") { Description = "Skip trainer trials and leave-one-attack-out calibration (for experiments, not for the shipped model)" };
        var defaults = new TrainerSettings();
        var trainer = new Option<TrainerKind>("--trainer") { Description = "Trainer of the shipped model", DefaultValueFactory = _ => defaults.Kind };
        var iterations = new Option<int>("--iterations") { Description = "Boosting iterations", DefaultValueFactory = _ => defaults.Iterations };
        var leaves = new Option<int>("--leaves") { Description = "Leaves per tree", DefaultValueFactory = _ => defaults.Leaves };
        var weights = new Option<double[]>("--category-weights")
        {
            Description = "Example weight per category: normal probe dos u2r r2l",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. defaults.CategoryWeights],
        };
        var site = new Option<FileInfo[]>("--site")
        {
            Description = "Labelled files of your site's traffic (KDD CSV with labels, e.g. GET /api/site/training-set.csv) to train on beside the KDD data",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };
        var searchOnly = new Option<bool>("--search-trainer-only")
        {
            Description = "Run the leave-one-attack-out policy search for --trainer alone, without the other candidates (a sixth of the time)",
        };
        var siteWeight = new Option<double>("--site-weight") { Description = "KDD records one site record weighs", DefaultValueFactory = _ => 10 };
        var command = new Command("train", "Train the model, export ONNX and write its model card") { data, output, name, quick, trainer, iterations, leaves, weights, site, siteWeight, searchOnly };
        command.SetAction((parse, _) => CliOptions.Guard(() =>
        {
            var dataPath = parse.GetValue(data)?.FullName ?? TrainingDataLocation.Default();
            var quickRun = parse.GetValue(quick);
            ModelTrainer.Train(new TrainingOptions
            {
                DataPath = dataPath,
                OutputDirectory = parse.GetValue(output)!.FullName,
                Name = parse.GetValue(name)!,
                CompareTrainers = !quickRun && !parse.GetValue(searchOnly),
                LeaveOneAttackOut = !quickRun,
                SitePaths = [.. parse.GetValue(site)!.Select(f => f.Exists ? f.FullName : throw new FileNotFoundException($"Site file not found: {f.FullName}", f.FullName))],
                SiteWeight = parse.GetValue(siteWeight) is > 0 and var w2 ? w2 : throw new InvalidDataException("--site-weight must be positive"),
                Trainer = defaults with
                {
                    Kind = parse.GetValue(trainer),
                    Iterations = parse.GetValue(iterations),
                    Leaves = parse.GetValue(leaves),
                    CategoryWeights = parse.GetValue(weights) is { Length: 5 } w ? w : throw new InvalidDataException("--category-weights needs 5 numbers: normal probe dos u2r r2l"),
                },
            }, Console.Error);
            return Task.FromResult(CliOptions.ExitOk);
        }));
        return command;
    }
}
