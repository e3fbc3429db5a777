using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Siem.Detection.Reading;

namespace Siem.Cli.Replay;

/// <param name="InFlight">Requests sent before earlier ones are answered (overlaps client, network and server work).</param>
public sealed record ReplayOptions(string File, double? RatePerSecond, bool Loop, int BatchSize, int InFlight = 1);

public sealed record ReplayResult(long Sent, long Accepted, long Rejected, long Throttled, TimeSpan Elapsed);

/// <summary>The server refused the replay (bad key, forbidden, bad request): no point in retrying.</summary>
public sealed class ReplayRefusedException(string message) : Exception(message);

/// <summary>
/// Streams a KDD file to POST /api/ingest in batches of lines, at a steady rate or as fast as the server
/// takes them. Lines go as they are (the server validates them and reports the bad ones), except that a
/// timestamp column is dropped: replayed traffic happens now. On 429 it waits for Retry-After and sends
/// again from the first line the server did not take, so no record is lost or sent twice.
/// </summary>
public sealed class Replayer(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Called after each batch is sent with the total lines sent so far.</summary>
    public Action<long>? Progress { get; init; }

    /// <summary>Called just before a request is posted: (lines sent before it, lines in it).</summary>
    public Action<long, int>? Sending { get; init; }

    public async Task<ReplayResult> RunAsync(ReplayOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long sent = 0, accepted = 0, rejected = 0, throttled = 0;
        var inFlight = new List<Task<(long Accepted, long Rejected, long Throttled)>>();

        async Task CollectAsync(bool all)
        {
            while (inFlight.Count > 0 && (all || inFlight.Count >= Math.Max(1, options.InFlight)))
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                var (a, r, t) = await done;
                (accepted, rejected, throttled) = (accepted + a, rejected + r, throttled + t);
            }
        }

        async Task SendAsync(string? header, List<string> batch)
        {
            await CollectAsync(all: false);
            inFlight.Add(SendPacedAsync(header, batch, sent, options, clock, cancellationToken));
            sent += batch.Count;
            Progress?.Invoke(sent);
        }

        try
        {
            do
            {
                using var reader = new StreamReader(InputStreams.OpenFile(options.File), Encoding.UTF8);
                var lines = new ReplayLines(reader);
                var batch = new List<string>(options.BatchSize);
                while (lines.Next() is { } line)
                {
                    batch.Add(line);
                    if (batch.Count == options.BatchSize)
                    {
                        await SendAsync(lines.Header, batch);
                        batch = new List<string>(options.BatchSize);
                    }
                }

                if (batch.Count > 0)
                {
                    await SendAsync(lines.Header, batch);
                }
            }
            while (options.Loop && !cancellationToken.IsCancellationRequested);

            await CollectAsync(all: true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: stop sending; requests under way are abandoned
        }

        return new ReplayResult(sent, accepted, rejected, throttled, clock.Elapsed);
    }

    private async Task<(long Accepted, long Rejected, long Throttled)> SendPacedAsync(
        string? header, List<string> batch, long sentBefore, ReplayOptions options, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (options.RatePerSecond is { } rate && rate > 0)
        {
            // Steady pace: this batch is due when the lines before it have had their time.
            var due = TimeSpan.FromSeconds(sentBefore / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }
        }

        long accepted = 0, rejected = 0, throttled = 0;
        var offset = 0;
        while (offset < batch.Count)
        {
            var body = new StringBuilder();
            if (header is not null)
            {
                body.Append(header).Append('\n');
            }

            foreach (var line in batch.Skip(offset))
            {
                body.Append(line).Append('\n');
            }

            Sending?.Invoke(sentBefore + offset, batch.Count - offset);
            using var content = new StringContent(body.ToString(), Encoding.UTF8, "text/csv");
            using var response = await http.PostAsync("api/ingest", content, cancellationToken);
            var summary = await ReadSummaryAsync(response, cancellationToken);
            accepted += summary?.Accepted ?? 0;
            rejected += summary?.Rejected ?? 0;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                throttled++;
                var firstBodyLine = header is null ? 1 : 2;
                offset += (int)Math.Max(0, (summary?.ResumeAtLine ?? firstBodyLine) - firstBodyLine);
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ReplayRefusedException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            break;
        }

        return (accepted, rejected, throttled);
    }

    private static async Task<Summary?> ReadSummaryAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests
            ? await response.Content.ReadFromJsonAsync<Summary>(Json, cancellationToken)
            : null;

    private sealed record Summary(long Accepted, long Rejected, long? ResumeAtLine);

    /// <summary>The file's lines: a header row is kept to send with every batch, without its timestamp column.</summary>
    private sealed class ReplayLines(StreamReader reader)
    {
        private bool _started;
        private int _timestampColumn = -1;

        public string? Header { get; private set; }

        public string? Next()
        {
            while (reader.ReadLine() is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                if (!_started)
                {
                    _started = true;
                    if (line.Length > 0 && char.IsLetter(line[0]))
                    {
                        var cells = line.Split(',');
                        _timestampColumn = Array.FindIndex(cells, c => c.Trim().Equals("timestamp", StringComparison.OrdinalIgnoreCase));
                        Header = WithoutTimestamp(line);
                        continue;
                    }
                }

                return WithoutTimestamp(line);
            }

            return null;
        }

        private string WithoutTimestamp(string line)
        {
            if (_timestampColumn < 0)
            {
                return line;
            }

            var cells = line.Split(',').ToList();
            if (_timestampColumn < cells.Count)
            {
                cells.RemoveAt(_timestampColumn);
            }

            return string.Join(',', cells);
        }
    }
}
