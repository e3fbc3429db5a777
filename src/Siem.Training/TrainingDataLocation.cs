namespace Siem.Training;

/// <summary>Where the KDD training file is: <c>SIEM_TRAINING_DATA</c>, else <c>../shared/data/</c> beside the repository.</summary>
public static class TrainingDataLocation
{
    public const string EnvironmentVariable = "SIEM_TRAINING_DATA";
    public const string FileName = "kddcup.data_10_percent.gz";

    public static string Default()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return configured;
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "..", "shared", "data", FileName);
                if (File.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new FileNotFoundException(
            $"KDD training data not found: set {EnvironmentVariable} or put {FileName} in ../shared/data/ (download it from the UCI KDD archive, kddcup99).");
    }
}
