using System.Diagnostics;
using System.Globalization;

namespace Siem.Bench;

/// <summary>The real web app as a separate process (Release build, fresh data folder, Kestrel on a free port).</summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string ApiKey = "bench-key-0123456789abcdef";

    private readonly Process _process;

    private BenchServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => _process.Id;

    public HttpClient CreateClient()
    {
        var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    public static async Task<BenchServer> StartAsync(string dataDir, Action<string>? onLog = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var root = BenchData.RepositoryRoot();
        var dll = Path.Combine(root, "src", "Siem.Web", "bin", "Release", "net10.0", "Siem.Web.dll");
        if (Environment.GetEnvironmentVariable("SIEM_BENCH_NO_BUILD") is null)
        {
            using var build = Process.Start(new ProcessStartInfo("dotnet", $"build \"{Path.Combine(root, "src", "Siem.Web")}\" -c Release -v q -nologo"))!;
            await build.WaitForExitAsync();
            if (build.ExitCode != 0)
            {
                throw new InvalidOperationException("Building the web app failed.");
            }

            Environment.SetEnvironmentVariable("SIEM_BENCH_NO_BUILD", "1");
        }

        var port = 5600 + Random.Shared.Next(300);
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Siem__DataDir"] = dataDir;
        start.Environment["Siem__Bootstrap__ApiKey"] = ApiKey;
        start.Environment["Siem__Admin__Password"] = "Bench-Password-1234";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { onLog?.Invoke(line); } };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new BenchServer(process, new Uri($"http://127.0.0.1:{port}/"));
        using var http = server.CreateClient();
        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await http.GetAsync("api/jobs")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        await server.DisposeAsync();
        throw new TimeoutException("The app did not start within a minute.");
    }

    /// <summary>User + system CPU seconds the server has used, from /proc/pid/stat.</summary>
    public double CpuSeconds()
    {
        var fields = File.ReadAllText($"/proc/{_process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Resident memory now (VmRSS) and at its peak (VmHWM), in bytes.</summary>
    public (long Current, long Peak) Memory()
    {
        long Read(string key) => long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(key, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return (Read("VmRSS:"), Read("VmHWM:"));
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
