using System.CommandLine;
using Siem.Detection.Model;

namespace Siem.Cli.Commands;

/// <summary>Options more than one command shares.</summary>
internal static class CliOptions
{
    public const int ExitOk = 0;
    public const int ExitNothingClassified = 1;
    public const int ExitBadInput = 2;

    public static Option<string?> Model() => new("--model")
    {
        Description = "Model to use: an .onnx file, its .model.json card, or a folder (default: the shipped models/ folder, or SIEM_MODEL)",
    };

    public static Argument<FileInfo> InputFile(string description) => new("file")
    {
        Description = description,
    };

    public static OnnxClassifier LoadModel(string? path) => OnnxClassifier.Load(path ?? ModelFiles.FindDefault());

    /// <summary>Runs a command body, turning expected failures (missing files, bad formats) into a message and exit code 2.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException
                                      or Detection.Reading.KddFormatException or Capture.CaptureFormatException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitBadInput;
        }
    }
}
