using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Siem.Detection.Reading;
using Siem.Domain.Records;

namespace Siem.Cli.Replay;

public sealed record ReplayOptions(string File, double? RatePerSecond, bool Loop, int BatchSize);

public sealed record ReplayResult(long Sent, long Accepted, long Rejected, long UnreadableLines, long Throttled, TimeSpan Elapsed);

/// <summary>The server refused the replay (bad key, forbidden, bad request): no point in retrying.</summary>
public sealed class ReplayRefusedException(string message) : Exception(message);

/// <summary>
/// Streams a KDD file to POST /api/ingest in batches, at a steady rate or as fast as the server takes
/// it. On 429 it waits for Retry-After and sends again from the first record the server did not take,
/// so no record is lost or sent twice.
/// </summary>
public sealed class Replayer(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Called after each accepted batch with the total records sent so far.</summary>
    public Action<long>? Progress { get; init; }

    /// <summary>Called just before a batch is posted: (records sent before it, records in it).</summary>
    public Action<long, int>? Sending { get; init; }

    public async Task<ReplayResult> RunAsync(ReplayOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long sent = 0, accepted = 0, rejected = 0, unreadable = 0, throttled = 0;
        try
        {
            do
            {
                var batch = new List<ConnectionRecord>(options.BatchSize);
                foreach (var line in KddCsvReader.ReadFile(options.File))
                {
                    if (line.Record is not { } record)
                    {
                        unreadable++;
                        continue;
                    }

                    batch.Add(record with { Timestamp = null }); // replayed traffic happens now
                    if (batch.Count == options.BatchSize)
                    {
                        (accepted, rejected, throttled) = Add((accepted, rejected, throttled), await SendPacedAsync(batch, sent, options, clock, cancellationToken));
                        sent += batch.Count;
                        Progress?.Invoke(sent);
                        batch.Clear();
                    }
                }

                if (batch.Count > 0)
                {
                    (accepted, rejected, throttled) = Add((accepted, rejected, throttled), await SendPacedAsync(batch, sent, options, clock, cancellationToken));
                    sent += batch.Count;
                    Progress?.Invoke(sent);
                }
            }
            while (options.Loop && !cancellationToken.IsCancellationRequested);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: stop after the last complete batch
        }

        return new ReplayResult(sent, accepted, rejected, unreadable, throttled, clock.Elapsed);
    }

    private static (long, long, long) Add((long A, long R, long T) total, (long A, long R, long T) more) =>
        (total.A + more.A, total.R + more.R, total.T + more.T);

    private async Task<(long Accepted, long Rejected, long Throttled)> SendPacedAsync(
        List<ConnectionRecord> batch, long sentBefore, ReplayOptions options, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (options.RatePerSecond is { } rate && rate > 0)
        {
            // Steady pace: this batch is due when the records before it have had their time.
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
            var withLabel = batch.Skip(offset).All(r => r.Label is not null);
            foreach (var record in batch.Skip(offset))
            {
                ConnectionRecordCsv.Append(body, record, withLabel);
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
                offset += (int)Math.Max(0, (summary?.ResumeAtLine ?? 1) - 1);
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Task.Delay(wait, cancellationToken);
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

    private static async Task<Summary?> ReadSummaryAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
        {
            return null;
        }

        return await response.Content.ReadFromJsonAsync<Summary>(Json, cancellationToken);
    }

    private sealed record Summary(long Accepted, long Rejected, long? ResumeAtLine);
}
