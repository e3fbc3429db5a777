using System.Diagnostics;

namespace Siem.TestSupport;

/// <summary>A real small file system (tmpfs, mounted as root) that fills up: a full disk for the app, made bigger to "free space".</summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static TmpfsMount Create(int megabytes)
    {
        var path = Directory.CreateTempSubdirectory("siem-tmpfs-").FullName;
        Run("mount", $"-t tmpfs -o size={megabytes}m tmpfs {path}");
        return new TmpfsMount(path);
    }

    /// <summary>Grows (or shrinks) the file system in place; what is on it stays.</summary>
    public void Resize(int megabytes) => Run("mount", $"-o remount,size={megabytes}m {Path}");

    /// <summary>Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as in CI); tried once.</summary>
    public static readonly Lazy<string?> WhyNot = new(() =>
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "Needs root to mount a small tmpfs (a real full disk); the tests run unprivileged here.";
        }

        try
        {
            using var probe = Create(1);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return "Needs to mount a small tmpfs (a real full disk), which this machine refuses: " + e.Message;
        }
    });

    public void Dispose()
    {
        try
        {
            Run("umount", $"-l {Path}");
        }
        finally
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    private static void Run(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {arguments}: exit {process.ExitCode}: {error.Trim()}");
        }
    }
}

/// <summary>A test that fills a real (small) disk: skipped, saying why, where a tmpfs cannot be mounted.</summary>
public sealed class RequiresTmpfsFactAttribute : Xunit.FactAttribute
{
    public RequiresTmpfsFactAttribute() => Skip = TmpfsMount.WhyNot.Value;
}
