using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Siem.TestSupport;

/// <summary>A small web server on 127.0.0.1 answering every GET with a page (closing each connection).</summary>
public sealed class LoopbackWebServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public LoopbackWebServer(int port)
    {
        Port = port;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    private async Task ServeAsync()
    {
        try
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync();
                var body = Encoding.ASCII.GetBytes("<html><body>" + new string('x', 500) + "</body></html>");
                context.Response.ContentType = "text/html";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // stopped
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _serving.Wait(TimeSpan.FromSeconds(10));
        _listener.Close();
    }
}

/// <summary>
/// tcpdump on the loopback interface into a pcap file. <see cref="StopAsync"/> first sends a marker datagram and waits
/// until it is in the file: tcpdump writes packets in order, so everything sent before is then recorded (no fixed delay).
/// </summary>
public sealed class LoopbackCapture : IAsyncDisposable
{
    public const int MarkerPort = 9999;

    private readonly Process _tcpdump;
    private readonly string _path;

    private LoopbackCapture(Process tcpdump, string path)
    {
        _tcpdump = tcpdump;
        _path = path;
    }

    /// <param name="filter">A pcap filter for the traffic to keep; the marker's UDP port is added.</param>
    public static async Task<LoopbackCapture> StartAsync(string path, string filter)
    {
        var tcpdump = Process.Start(new ProcessStartInfo("tcpdump", $"-i lo -n -B 32768 --immediate-mode -U -w {path} ({filter}) or (udp port {MarkerPort})") { RedirectStandardError = true })!;
        // tcpdump says "listening on lo" once the capture runs; packets before that would be lost.
        while (await tcpdump.StandardError.ReadLineAsync() is { } line)
        {
            if (line.Contains("listening on", StringComparison.Ordinal))
            {
                return new LoopbackCapture(tcpdump, path);
            }
        }

        throw new InvalidOperationException("tcpdump did not start capturing on lo (it needs root or CAP_NET_RAW).");
    }

    /// <summary>Waits until everything sent so far is in the file, then stops tcpdump.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        var marker = Encoding.ASCII.GetBytes("siem-capture-marker-" + Guid.NewGuid().ToString("N"));
        using (var udp = new UdpClient())
        {
            await udp.SendAsync(marker, new IPEndPoint(IPAddress.Loopback, MarkerPort));
        }

        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Contains(await ReadSharedAsync(_path), marker))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("tcpdump did not record the end marker in time.");
            }

            await Task.Delay(20);
        }

        Process.Start("kill", $"-INT {_tcpdump.Id}").WaitForExit();
        var summary = await _tcpdump.StandardError.ReadToEndAsync();
        await _tcpdump.WaitForExitAsync();
        // "N packets dropped by kernel": a capture that lost packets would make the test's counts wrong.
        var dropped = summary.Split('\n').FirstOrDefault(l => l.Contains("dropped by kernel", StringComparison.Ordinal));
        if (dropped is not null && !dropped.TrimStart().StartsWith("0 ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"tcpdump lost packets: {dropped.Trim()}");
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] data, byte[] marker) => data.AsSpan().IndexOf(marker) >= 0;

    public async ValueTask DisposeAsync()
    {
        if (!_tcpdump.HasExited)
        {
            _tcpdump.Kill();
            await _tcpdump.WaitForExitAsync();
        }

        _tcpdump.Dispose();
    }
}

public static class Programs
{
    /// <summary>Runs a program to its end; its exit code must be 0.</summary>
    public static async Task RunAsync(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Xunit.Assert.True(process.ExitCode == 0, $"{program} {arguments} exited {process.ExitCode}: {await errors}{await output}");
    }
}
