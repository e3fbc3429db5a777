using System.Diagnostics;

namespace Siem.TestSupport;

/// <summary>
/// A real PostgreSQL server (Debian's <c>postgresql</c> package) in its own cluster under the temp folder, on a free
/// loopback port, started once per test process and stopped when it exits; each test app gets a database of its own.
/// As root the server runs as the <c>postgres</c> user (PostgreSQL refuses root). <c>SIEM_TEST_POSTGRES</c> (a
/// connection string to a server whose user may create databases) uses that server instead.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> SharedServer = new(() => Start(durable: false), LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;
    private readonly string _baseConnectionString;

    private PostgresServer(string baseConnectionString, string? bin) => (_baseConnectionString, Bin) = (baseConnectionString, bin);

    /// <summary>The test process's server (durability off: it lives as long as the process).</summary>
    public static PostgresServer Shared => SharedServer.Value;

    /// <summary>The folder of the server's programs (psql, pg_dump), null for an external server.</summary>
    public string? Bin { get; }

    /// <summary>Host, port and user, without a database.</summary>
    public string BaseConnectionString => _baseConnectionString;

    /// <summary>A connection string to a new, empty database name (the app creates it at start).</summary>
    public string NewDatabase(string purpose = "test") =>
        $"{_baseConnectionString};Database=siem_{purpose}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";

    /// <summary>A server of its own with PostgreSQL's default durability (benchmarks); <c>SIEM_TEST_POSTGRES</c> wins when set.</summary>
    public static PostgresServer StartDurable() => Start(durable: true);

    private static PostgresServer Start(bool durable)
    {
        if (Environment.GetEnvironmentVariable("SIEM_TEST_POSTGRES") is { Length: > 0 } external)
        {
            return new PostgresServer(external.TrimEnd(';'), null);
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("These tests need a real PostgreSQL: apt-get install postgresql (.ci/run does), or set SIEM_TEST_POSTGRES to a connection string.");
        }

        var root = Path.Combine(Path.GetTempPath(), $"siem-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", $"postgres \"{root}\"", asPostgres: false);
        }

        var port = FreePort.Next();
        Run(Path.Combine(bin, "initdb"), $"-D \"{data}\" -U siem --auth=trust --encoding=UTF8 --locale=C.UTF-8", asRoot);
        // Durability off for tests' speed: a test cluster lives as long as the test process.
        var settings = $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=400"
                       + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        Run(Path.Combine(bin, "pg_ctl"), $"-D \"{data}\" -o \"{settings}\" -l \"{Path.Combine(root, "server.log")}\" -w -t 60 start", asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), $"-D \"{data}\" -m immediate -w stop", asRoot);
                Directory.Delete(root, recursive: true);
            }
            catch (InvalidOperationException)
            {
                // the process is ending anyway; the folder is in the temp folder
            }
        };
        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=siem", bin);
    }

    private static void Run(string file, string arguments, bool asPostgres)
    {
        var start = asPostgres ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {arguments}") : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error} {output.Result}");
        }
    }
}
