using System.CommandLine;

namespace Siem.Cli.Commands;

/// <summary>The <c>siem</c> command: one sub-command per job.</summary>
public static class SiemCommandLine
{
    public static RootCommand Build() => new("siem: train, run and evaluate the KDD Cup 99 intrusion-detection model, replay traffic to a server, and turn packet captures into records")
    {
        TrainCommand.Create(),
        PredictCommand.Create(),
        EvaluateCommand.Create(),
        ReplayCommand.Create(),
        ExtractCommand.Create(),
        ConvertCommand.Create(),
        SeedCommand.Create(),
    };
}
