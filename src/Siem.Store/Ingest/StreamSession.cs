using Siem.Detection.Model;
using Siem.Detection.Reading;

namespace Siem.Store.Ingest;

/// <summary>What one streaming request achieved. Line numbers are those of the request body.</summary>
/// <param name="Accepted">Records stored (committed) from this request, counting those a retry found already stored.</param>
/// <param name="Rejected">Bad lines in this request.</param>
/// <param name="Rejections">The first bad lines with their reasons.</param>
/// <param name="ResumeAtLine">When the pipeline was saturated: the first body line not taken; send it again from there.</param>
public sealed record StreamOutcome(long Accepted, long Rejected, IReadOnlyList<RejectionView> Rejections, long? ResumeAtLine)
{
    /// <summary>Of <see cref="Accepted"/>, records an earlier try of the same stream lines had already stored (not stored again).</summary>
    public long AlreadyStored { get; init; }

    public bool Saturated => ResumeAtLine is not null;
}

/// <summary>
/// One streaming request's records on their way to the store: cut into batches, classified in the request,
/// queued for the single writer; the outcome is known once every queued batch is committed. When the queue
/// stays full, the request stops at the first body line not taken, so the sender can resume exactly there.
/// With <paramref name="firstLine"/> (the client's number for the body's first record line) lines are numbered by the
/// client, so a retried request maps to the same (job, line) keys and nothing is stored twice; without it the
/// server numbers them (a retry after a lost answer may then store records twice).
/// </summary>
public sealed class StreamSession(StreamIngest ingest, StreamSource source, Models.LoadedModel model, TimeProvider time, int batchSize, long? firstLine = null)
{
    private long? _firstBodyLine;
    public const int ReportedRejections = 100;

    private readonly List<StreamBatch> _queued = [];
    private readonly List<RejectionView> _rejections = [];
    private List<ParsedLine> _batch = new(batchSize);
    private long _rejected;
    private long _batchFirstBodyLine;
    private long? _resumeAt;

    /// <summary>Reads <paramref name="lines"/> to the end or to saturation, then waits for what was queued to be committed.</summary>
    public async Task<StreamOutcome> RunAsync(IAsyncEnumerable<ParsedLine> lines, CancellationToken cancellationToken)
    {
        await foreach (var line in lines.WithCancellation(cancellationToken))
        {
            _firstBodyLine ??= line.LineNumber;
            if (!line.IsValid)
            {
                Reject(line);
            }
            else if (!await AddAsync(line, cancellationToken))
            {
                break;
            }
        }

        if (_resumeAt is null)
        {
            await FlushAsync(cancellationToken);
        }

        return await CompleteAsync();
    }

    private void Reject(ParsedLine line)
    {
        _rejected++;
        if (_rejections.Count < ReportedRejections)
        {
            _rejections.Add(new RejectionView(line.LineNumber, line.Error!));
        }
    }

    /// <summary>Adds a good line; false when its batch could not be queued (saturated).</summary>
    private async Task<bool> AddAsync(ParsedLine line, CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            _batchFirstBodyLine = line.LineNumber;
        }

        _batch.Add(line);
        return _batch.Count < batchSize || await FlushAsync(cancellationToken);
    }

    /// <summary>Numbers, classifies and queues the current batch; false (and the resume line set) when the queue stayed full.</summary>
    private async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            return true;
        }

        List<ParsedLine> numbered;
        if (firstLine is { } clientFirst)
        {
            numbered = [.. _batch.Select(l => ParsedLine.Ok(clientFirst + (l.LineNumber - _firstBodyLine!.Value), l.Record!))];
        }
        else
        {
            var first = source.Reserve(_batch.Count);
            numbered = [.. _batch.Select((l, i) => ParsedLine.Ok(first + i, l.Record!))];
        }

        var predictions = model.Classifier.Classify(_batch.Select(l => l.Record!).ToList());
        var queued = new StreamBatch(source.JobId, numbered, predictions, model.VersionId, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (!await ingest.TryEnqueueAsync(queued, cancellationToken))
        {
            _resumeAt = _batchFirstBodyLine;
            return false;
        }

        _queued.Add(queued);
        _batch = new List<ParsedLine>(batchSize);
        return true;
    }

    /// <summary>The outcome once every queued batch is committed: an accepted record is never dropped.</summary>
    private async Task<StreamOutcome> CompleteAsync()
    {
        long accepted = 0, alreadyStored = 0;
        foreach (var queued in _queued)
        {
            var stored = await queued.Stored.Task;
            accepted += stored.Lines;
            alreadyStored += stored.Lines - stored.Classified; // queued batches hold good lines only
        }

        return new StreamOutcome(accepted, _rejected, _rejections, _resumeAt) { AlreadyStored = alreadyStored };
    }
}
