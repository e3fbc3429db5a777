namespace Siem.Detection.Model;

/// <summary>Where models live: <c>models/&lt;name&gt;.onnx</c> beside <c>models/&lt;name&gt;.model.json</c>.</summary>
public static class ModelFiles
{
    public const string OnnxExtension = ".onnx";
    public const string CardExtension = ".model.json";
    public const string DefaultModelName = "kdd-classifier";

    public static string OnnxPath(string directory, string name) => Path.Combine(directory, name + OnnxExtension);

    public static string CardPath(string directory, string name) => Path.Combine(directory, name + CardExtension);

    /// <summary>Accepts the .onnx file, the card, or a folder holding exactly one model.</summary>
    public static (string Onnx, string Card) Resolve(string path)
    {
        if (Directory.Exists(path))
        {
            var cards = Directory.GetFiles(path, "*" + CardExtension);
            var preferred = cards.FirstOrDefault(c => Path.GetFileName(c) == DefaultModelName + CardExtension);
            path = preferred ?? (cards.Length == 1 ? cards[0]
                : throw new FileNotFoundException($"Expected one model card (*{CardExtension}) in {path}, found {cards.Length}."));
        }

        var stem = path.EndsWith(CardExtension, StringComparison.OrdinalIgnoreCase) ? path[..^CardExtension.Length]
            : path.EndsWith(OnnxExtension, StringComparison.OrdinalIgnoreCase) ? path[..^OnnxExtension.Length]
            : path;
        var onnx = stem + OnnxExtension;
        var card = stem + CardExtension;
        foreach (var file in new[] { onnx, card })
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"Model file not found: {file} (a model is an .onnx file with its {CardExtension} card beside it).", file);
            }
        }

        return (onnx, card);
    }

    /// <summary>
    /// The shipped model: <c>SIEM_MODEL</c> if set, else the first <c>models/</c> folder found walking up
    /// from the app's base directory and then the current directory.
    /// </summary>
    public static string FindDefault()
    {
        if (Environment.GetEnvironmentVariable("SIEM_MODEL") is { Length: > 0 } configured)
        {
            return configured;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = CardPath(Path.Combine(dir.FullName, "models"), DefaultModelName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"No shipped model found: expected models/{DefaultModelName}{CardExtension} above {AppContext.BaseDirectory}; " +
                                        "set Siem:ModelPath (environment Siem__ModelPath) for the web app, SIEM_MODEL, or pass --model to the CLI.");
    }
}
