namespace Siem.TestSupport;

/// <summary>Locations inside the repository and beside it, found from the test binaries.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string ModelsDirectory => Path.Combine(Root, "models");

    public static string ShippedCard => Path.Combine(ModelsDirectory, "kdd-classifier.model.json");

    /// <summary>The real KDD training file: SIEM_TRAINING_DATA, else ../shared/data/ beside the repository.</summary>
    public static string KddTrainingData =>
        Environment.GetEnvironmentVariable("SIEM_TRAINING_DATA") is { Length: > 0 } configured
            ? configured
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "kddcup.data_10_percent.gz"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Siem.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Siem.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs the real KDD training file; it is skipped, saying why, when the file is absent.</summary>
public sealed class RequiresKddDataFactAttribute : Xunit.FactAttribute
{
    public RequiresKddDataFactAttribute()
    {
        if (!File.Exists(RepositoryPaths.KddTrainingData))
        {
            Skip = $"Needs the real KDD training file, which is not in the repository: {RepositoryPaths.KddTrainingData} is absent " +
                   "(set SIEM_TRAINING_DATA or place kddcup.data_10_percent.gz in ../shared/data).";
        }
    }
}
