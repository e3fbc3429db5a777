using System.Diagnostics;

namespace Siem.TestSupport;

/// <summary>softflowd (Debian package) replaying a capture file as NetFlow v9 (version 9) or IPFIX (version 10) to a UDP collector.</summary>
public static class Softflowd
{
    /// <summary>Exports every flow of <paramref name="pcap"/> to 127.0.0.1:<paramref name="port"/> and waits until softflowd has sent them and exited.</summary>
    public static async Task ExportAsync(string pcap, int port, int version)
    {
        using var process = Process.Start(new ProcessStartInfo("softflowd", ["-r", pcap, "-n", $"127.0.0.1:{port}", "-v", version.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"softflowd exited with {process.ExitCode}: {await errors}{await output}");
        }
    }
}
