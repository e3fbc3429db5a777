using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Siem.Cli.Replay;

/// <param name="InFlight">Requests sent before earlier ones are answered (overlaps client, network and server work).</param>
public sealed record ReplayOptions(string File, double? RatePerSecond, bool Loop, int BatchSize, int InFlight = 1)
{
    /// <summary>The stream the lines are numbered in: a retried request stores nothing twice. A new one per run by default.</summary>
    public string StreamId { get; init; } = $"replay-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>How long to keep retrying while the server is unreachable or failing (a restart, a deploy) before giving up.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromMinutes(5);
}

/// <param name="AlreadyStored">Records a retry found stored by the try the answer of which was lost (not stored twice).</param>
/// <param name="Retries">Requests sent again after a connection error or a server error.</param>
public sealed record ReplayResult(long Sent, long Accepted, long Rejected, long Throttled, TimeSpan Elapsed, long AlreadyStored = 0, long Retries = 0);

/// <summary>The server refused the replay (bad key, forbidden, bad request): no point in retrying.</summary>
public sealed class ReplayRefusedException(string message) : Exception(message);

/// <summary>
/// Streams a KDD file to POST /api/ingest in batches of lines, at a steady rate or as fast as the server
/// takes them. Lines go as they are (the server validates them and reports the bad ones), except that a
/// timestamp column is dropped: replayed traffic happens now. On 429 it waits for Retry-After and sends
/// again from the first line the server did not take, so no record is lost or sent twice. Lines are numbered in a
/// stream of their own (<c>X-Siem-Stream-Id</c>, <c>X-Siem-First-Line</c>), so after a connection error or a server
/// restart the same lines are sent again (with backoff) and the server stores each record exactly once.
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
        long sent = 0, accepted = 0, rejected = 0, throttled = 0, alreadyStored = 0, retries = 0;
        var inFlight = new List<Task<Tally>>();

        async Task CollectAsync(bool all)
        {
            while (inFlight.Count > 0 && (all || inFlight.Count >= Math.Max(1, options.InFlight)))
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                var tally = await done;
                (accepted, rejected, throttled) = (accepted + tally.Accepted, rejected + tally.Rejected, throttled + tally.Throttled);
                (alreadyStored, retries) = (alreadyStored + tally.AlreadyStored, retries + tally.Retries);
            }
        }

        async Task SendAsync(byte[]? header, byte[] batch, int lines)
        {
            await CollectAsync(all: false);
            inFlight.Add(SendPacedAsync(header, batch, lines, sent, options, clock, cancellationToken));
            sent += lines;
            Progress?.Invoke(sent);
        }

        try
        {
            do
            {
                using var file = new LineBatches(options.File);
                while (file.Next(options.BatchSize) is var (bytes, lines))
                {
                    await SendAsync(file.Header, bytes, lines);
                }
            }
            while (options.Loop && !cancellationToken.IsCancellationRequested);

            await CollectAsync(all: true);
            if (options.RatePerSecond is { } rate && rate > 0 && TimeSpan.FromSeconds(sent / rate) is var slot && slot > clock.Elapsed)
            {
                // The last batch goes out at the start of its time slot; the replay ends when the slot does, so N lines at
                // rate R take N/R seconds (ending at the last send overshot the rate by one batch: 18 % at 1,000 lines in batches of 200).
                await Task.Delay(slot - clock.Elapsed, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: stop sending; requests under way are abandoned
        }

        return new ReplayResult(sent, accepted, rejected, throttled, clock.Elapsed, alreadyStored, retries);
    }

    private sealed record Tally(long Accepted, long Rejected, long Throttled, long AlreadyStored, long Retries);

    private async Task<Tally> SendPacedAsync(
        byte[]? header, byte[] batch, int lines, long sentBefore, ReplayOptions options, Stopwatch clock, CancellationToken cancellationToken)
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

        long accepted = 0, rejected = 0, throttled = 0, alreadyStored = 0, retries = 0;
        var (offset, skipped) = (0, 0);
        var backoff = new Backoff(options.RetryFor);
        while (skipped < lines)
        {
            var body = new byte[(header?.Length + 1 ?? 0) + batch.Length - offset];
            if (header is not null)
            {
                header.CopyTo(body, 0);
                body[header.Length] = (byte)'\n';
            }

            batch.AsSpan(offset).CopyTo(body.AsSpan(header?.Length + 1 ?? 0));
            Sending?.Invoke(sentBefore + skipped, lines - skipped);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/ingest") { Content = content };
            request.Headers.Add("X-Siem-Stream-Id", options.StreamId);
            request.Headers.Add("X-Siem-First-Line", (sentBefore + skipped + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                retries++;
                await backoff.WaitAsync($"the server is unreachable ({e.Message})", cancellationToken); // the same lines again: stored once
                continue;
            }

            using var answered = response;
            if ((int)response.StatusCode >= 500)
            {
                retries++;
                await backoff.WaitAsync($"the server answered {(int)response.StatusCode}", cancellationToken);
                continue;
            }

            backoff.Reset();
            var summary = await ReadSummaryAsync(response, cancellationToken);
            accepted += summary?.Accepted ?? 0;
            rejected += summary?.Rejected ?? 0;
            alreadyStored += summary?.AlreadyStored ?? 0;
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                throttled++;
                var firstBodyLine = header is null ? 1 : 2;
                var taken = (int)Math.Max(0, (summary?.ResumeAtLine ?? firstBodyLine) - firstBodyLine);
                for (var i = 0; i < taken; i++)
                {
                    offset += batch.AsSpan(offset).IndexOf((byte)'\n') + 1;
                }

                skipped += taken;
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ReplayRefusedException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            break;
        }

        return new Tally(accepted, rejected, throttled, alreadyStored, retries);
    }

    private static async Task<Summary?> ReadSummaryAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests
            ? await response.Content.ReadFromJsonAsync<Summary>(Json, cancellationToken)
            : null;

    private sealed record Summary(long Accepted, long Rejected, long? ResumeAtLine, long AlreadyStored);

    /// <summary>Waits 0.25 s, doubling to 8 s, between retries; gives up once failures have lasted longer than the limit.</summary>
    private sealed class Backoff(TimeSpan limit)
    {
        private static readonly TimeSpan First = TimeSpan.FromMilliseconds(250);
        private static readonly TimeSpan Longest = TimeSpan.FromSeconds(8);
        private Stopwatch? _failing;
        private TimeSpan _next = First;

        public async Task WaitAsync(string why, CancellationToken cancellationToken)
        {
            _failing ??= Stopwatch.StartNew();
            if (_failing.Elapsed > limit)
            {
                throw new ReplayRefusedException($"gave up after {limit.TotalSeconds:N0}s of failures: {why}");
            }

            await Task.Delay(_next, cancellationToken);
            _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, Longest.Ticks));
        }

        public void Reset() => (_failing, _next) = (null, First);
    }
}
