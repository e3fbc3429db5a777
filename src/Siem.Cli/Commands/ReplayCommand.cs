using System.CommandLine;
using Siem.Cli.Replay;

namespace Siem.Cli.Commands;

/// <summary><c>siem replay &lt;file&gt; --url &lt;base url&gt; --api-key &lt;key&gt; [--rate N] [--loop] [--batch N]</c>.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var file = CliOptions.InputFile("KDD records to replay (CSV or CSV.gz)");
        var url = new Option<string>("--url") { Description = "Base URL of the Siem server, e.g. http://localhost:5000", Required = true };
        var key = new Option<string>("--api-key") { Description = "An Analyst or Admin API key", Required = true };
        var rate = new Option<double?>("--rate") { Description = "Records per second (default: as fast as the server takes them)" };
        var loop = new Option<bool>("--loop") { Description = "Start again at the end of the file (until Ctrl+C)" };
        var batch = new Option<int>("--batch") { Description = "Records per request", DefaultValueFactory = _ => 500 };
        var parallel = new Option<int>("--parallel") { Description = "Requests in flight at once", DefaultValueFactory = _ => 2 };
        var streamId = new Option<string?>("--stream-id") { Description = "Number the lines in this stream (default: a new one per run); a retried request stores nothing twice" };
        var retryFor = new Option<int>("--retry-for") { Description = "Seconds to keep retrying while the server is unreachable or failing", DefaultValueFactory = _ => 300 };
        var command = new Command("replay", "Stream a KDD file to a running server's ingest API, as live traffic") { file, url, key, rate, loop, batch, parallel, streamId, retryFor };
        command.SetAction((parse, cancel) => CliOptions.Guard(async () =>
        {
            var input = parse.GetValue(file)!;
            if (!input.Exists)
            {
                throw new FileNotFoundException($"{input.FullName} does not exist.");
            }

            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            {
                throw new InvalidDataException($"--url '{parse.GetValue(url)}' is not an http(s) URL.");
            }

            using var http = new HttpClient { BaseAddress = WithTrailingSlash(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Add("X-Api-Key", parse.GetValue(key));
            var progress = new ConsoleProgress("lines sent");
            var replayer = new Replayer(http) { Progress = sent => progress.Report(sent) };
            try
            {
                var options = new ReplayOptions(input.FullName, parse.GetValue(rate), parse.GetValue(loop), Math.Max(1, parse.GetValue(batch)), Math.Max(1, parse.GetValue(parallel)))
                {
                    RetryFor = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(retryFor))),
                };
                options = parse.GetValue(streamId) is { Length: > 0 } id ? options with { StreamId = id } : options;
                await Console.Error.WriteLineAsync($"stream {options.StreamId}");
                var result = await replayer.RunAsync(options, cancel);
                progress.Report(result.Sent, final: true);
                await Console.Error.WriteLineAsync(
                    $"{result.Accepted + result.Rejected:N0} of {result.Sent:N0} lines acknowledged: {result.Accepted:N0} records accepted ({result.AlreadyStored:N0} of them found already stored after a retry), " +
                    $"{result.Rejected:N0} lines rejected by the server; {result.Retries:N0} requests sent again after errors, {result.Throttled:N0} times asked to slow down; " +
                    $"{result.Sent / Math.Max(result.Elapsed.TotalSeconds, 1e-9):N0} lines/s");
                return CliOptions.ExitOk;
            }
            catch (Exception e) when (e is ReplayRefusedException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return CliOptions.ExitBadInput;
            }
        }));
        return command;
    }

    private static Uri WithTrailingSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
}
