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

/// <summary>A fact that needs programs from the system (installed by .ci/run); it is skipped, saying which, when they are missing.</summary>
public sealed class RequiresProgramsFactAttribute : Xunit.FactAttribute
{
    public RequiresProgramsFactAttribute(params string[] programs) => Skip = SkipReason(programs);

    /// <summary>Why a test needing <paramref name="programs"/> is skipped, or null when they are all on PATH.</summary>
    internal static string? SkipReason(string[] programs)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        var missing = programs.Where(p => !path.Any(dir => File.Exists(Path.Combine(dir, p)))).ToList();
        return missing.Count > 0 ? $"Needs {string.Join(" and ", missing)} on PATH (.ci/run installs them with apt-get)." : null;
    }

    /// <summary>The test also needs the real KDD training file (to retrain on): skipped, saying so, when it is absent.</summary>
    public bool KddData
    {
        get => field;
        set
        {
            field = value;
            if (value && Skip is null && !File.Exists(RepositoryPaths.KddTrainingData))
            {
                Skip = $"Needs the real KDD training file, which is not in the repository: {RepositoryPaths.KddTrainingData} is absent " +
                       "(set SIEM_TRAINING_DATA or place kddcup.data_10_percent.gz in ../shared/data).";
            }
        }
    }

    /// <summary>The programs need root (tcpdump opening an interface): skipped, saying so, when the tests run unprivileged.</summary>
    public bool Privileged
    {
        get => field;
        set
        {
            field = value;
            if (value && Skip is null && !Environment.IsPrivilegedProcess)
            {
                Skip = "Needs root to capture packets (tcpdump on lo); the tests run unprivileged here.";
            }
        }
    }
}

/// <summary>A theory that needs programs from the system; skipped, saying which, when they are missing.</summary>
public sealed class RequiresProgramsTheoryAttribute : Xunit.TheoryAttribute
{
    public RequiresProgramsTheoryAttribute(params string[] programs) => Skip = RequiresProgramsFactAttribute.SkipReason(programs);
}
