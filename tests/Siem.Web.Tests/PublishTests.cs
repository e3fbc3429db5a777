using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection.PortableExecutable;
using System.Text;
using Siem.TestSupport;

namespace Siem.Web.Tests;

/// <summary>
/// The ordinary deployment: <c>dotnet publish -r linux-x64</c>, then the published app started from another folder.
/// It must find its own content root (appsettings.json, wwwroot, data beside itself), carry its model, log quietly
/// and print the first admin's password near the top.
/// </summary>
public sealed class PublishTests
{
    [Fact]
    public async Task The_published_app_starts_from_another_folder_with_its_model_assets_settings_and_data_beside_it()
    {
        using var work = new TempDirectory();
        var publish = Path.Combine(work.Path, "pub");
        // Its own artifacts folder: nothing is shared with the build the other tests (or a benchmark) use.
        await Programs.RunAsync("dotnet", $"publish \"{Path.Combine(RepositoryPaths.Root, "src", "Siem.Web")}\" -c Release -r linux-x64 --self-contained false " +
                                          $"-o \"{publish}\" --artifacts-path \"{Path.Combine(work.Path, "artifacts")}\" -nologo -v q");

        Assert.True(File.Exists(Path.Combine(publish, "models", "kdd-classifier.model.json")), "the model is in the published folder");
        Assert.True(File.Exists(Path.Combine(publish, "libonnxruntime.so")) || Directory.Exists(Path.Combine(publish, "runtimes", "linux-x64")), "the Linux ONNX runtime is there");
        Assert.False(Directory.Exists(Path.Combine(publish, "runtimes", "win-x64")), "one runtime, not every platform's");
        Assert.True(IsReadyToRun(Path.Combine(publish, "Siem.Web.dll")), "the app is precompiled (ReadyToRun), so it starts sooner");

        var elsewhere = Directory.CreateDirectory(Path.Combine(work.Path, "somewhere-else")).FullName;
        var port = Siem.TestSupport.FreePort.Next();
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(publish, "Siem.Web.dll")}\" --urls http://127.0.0.1:{port}")
        {
            WorkingDirectory = elsewhere,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT"); // Production, as installed
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        var log = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitReadyAsync(http, process, log);

            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("account/login")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("_content/MudBlazor/MudBlazor.min.css")).StatusCode);
            Assert.True(File.Exists(Path.Combine(publish, "data", "siem.db")), "the data folder is beside the app, not in the current directory");
            Assert.False(Directory.Exists(Path.Combine(elsewhere, "data")));

            string[] lines;
            lock (log)
            {
                lines = log.ToString().Split('\n');
            }

            var adminBox = Array.FindIndex(lines, l => l.Contains("FIRST ADMIN", StringComparison.Ordinal));
            Assert.InRange(adminBox, 0, 40); // near the top, not buried under SQL
            Assert.DoesNotContain(lines, l => l.Contains("Executed DbCommand", StringComparison.Ordinal));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>A ReadyToRun assembly carries native code, announced by the managed native header of its CLI header.</summary>
    private static bool IsReadyToRun(string assembly)
    {
        using var reader = new PEReader(File.OpenRead(assembly));
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    private static async Task WaitReadyAsync(HttpClient http, Process process, StringBuilder log)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            Assert.False(process.HasExited, "the published app exited: " + log);
            try
            {
                if ((await http.GetAsync("readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            Assert.True(DateTime.UtcNow < deadline, "the published app did not become ready: " + log);
            await Task.Delay(100);
        }
    }
}
