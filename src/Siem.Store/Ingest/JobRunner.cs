using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Capture;
using Siem.Detection.Model;
using Siem.Detection.Pipeline;
using Siem.Detection.Reading;
using Siem.Domain.Labels;
using Siem.Store;
using Siem.Store.Incidents;
using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Store.Ingest;

/// <summary>
/// Runs ingest jobs one at a time: reader -> bounded channel -> batched classification -> single writer.
/// Progress is committed with every batch, so after a crash or restart a job resumes after its last
/// committed line; events are unique on (job, line), so nothing is stored twice.
/// </summary>
public sealed class JobRunner(
    IServiceScopeFactory scopes,
    JobQueue queue,
    Models.ActiveModel models,
    StoreBackend store,
    LiveNotifier live,
    IncidentCorrelator correlator,
    Exceptions.ExceptionRules exceptions,
    TimeProvider time,
    IOptions<SiemOptions> options,
    ILogger<JobRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var node = options.Value.Node;
        var released = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!released)
                {
                    await ReleaseOwnClaimsAsync(node.Name, stoppingToken);
                    released = true;
                }

                while (await ClaimNextAsync(node, stoppingToken) is { } jobId)
                {
                    await RunClaimedAsync(jobId, node, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                logger.LogInformation("Stopping; an unfinished job resumes at next start (or on another ingest node)");
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The store refused a claim or a job's final state (a full disk): the host stays up, and it tries again
                // after the poll interval, not in a tight loop.
                logger.LogError(e, "Running ingest jobs failed; trying again shortly");
            }

            await queue.WaitForWorkAsync(node.JobPollInterval, stoppingToken);
        }
    }

    /// <summary>This node restarted: what it was running resumes now, not after the claim timeout.</summary>
    private async Task ReleaseOwnClaimsAsync(string node, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
        var released = await db.Jobs.Where(j => j.ClaimedBy == node && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.ClaimedBy, (string?)null), cancellationToken);
        var unfinished = await db.Jobs.CountAsync(j => !j.IsStream && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running), cancellationToken);
        if (unfinished > 0)
        {
            logger.LogInformation("{Count} unfinished ingest jobs to resume ({Released} were this node's)", unfinished, released);
        }
    }

    /// <summary>
    /// Claims the oldest job no live node holds: an update that only succeeds while the job is still unclaimed (or its
    /// claim is stale), so of several ingest nodes exactly one gets it. Null when there is none.
    /// </summary>
    private async Task<long?> ClaimNextAsync(NodeOptions node, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var stale = now - node.ClaimTimeout;
        var candidates = await db.Jobs
            .Where(j => !j.IsStream && (j.Status == JobStatus.Queued || j.Status == JobStatus.Running)
                        && (j.ClaimedBy == null || j.ClaimedBy == node.Name || j.HeartbeatUtc < stale))
            .OrderBy(j => j.Id).Select(j => j.Id).Take(8).ToListAsync(cancellationToken);
        foreach (var id in candidates)
        {
            var claimed = await db.Jobs.Where(j => j.Id == id && (j.ClaimedBy == null || j.ClaimedBy == node.Name || j.HeartbeatUtc < stale))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.ClaimedBy, node.Name).SetProperty(j => j.HeartbeatUtc, now), cancellationToken);
            if (claimed == 1)
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>Runs a claimed job while renewing the claim; a cancel asked on any node reaches it through the store.</summary>
    private async Task RunClaimedAsync(long jobId, NodeOptions node, CancellationToken stoppingToken)
    {
        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var heartbeat = RenewClaimAsync(jobId, node, heartbeatStop.Token);
        try
        {
            await RunAsync(jobId, stoppingToken);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }
    }

    private async Task RenewClaimAsync(long jobId, NodeOptions node, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(node.ClaimTimeout / 4, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
                var now = time.GetUtcNow().UtcDateTime;
                await db.Jobs.Where(j => j.Id == jobId && j.ClaimedBy == node.Name)
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.HeartbeatUtc, now), cancellationToken);
                if (await db.Jobs.AnyAsync(j => j.Id == jobId && j.CancelRequested, cancellationToken))
                {
                    queue.CancelRunning(jobId); // asked on another node
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the job ended
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not renew the claim on job {JobId}; another node may take it over", jobId);
        }
    }

    private async Task RunAsync(long jobId, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
        if (await StartAsync(db, jobId, stoppingToken) is not { } job)
        {
            return;
        }

        using var cancellation = queue.Track(jobId, stoppingToken);
        if (job.Paused)
        {
            queue.Pause(jobId); // paused before a restart: stays paused
        }

        try
        {
            await IngestAsync(db, job, cancellation.Token);
            await FinishAsync(db, job, JobStatus.Completed, null);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested && cancellation.IsCancellationRequested)
        {
            await FinishAsync(db, job, JobStatus.Cancelled, "Cancelled by a user.");
        }
        catch (Exception e) when (e is KddFormatException or CaptureFormatException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Ingest job {JobId} failed", jobId);
            await FinishAsync(db, job, JobStatus.Failed, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug must fail this job, not stop the host: later jobs still run.
            logger.LogError(e, "Ingest job {JobId} failed unexpectedly", jobId);
            await FinishAsync(db, job, JobStatus.Failed, "Internal error: " + e.Message);
        }
        finally
        {
            queue.Untrack(jobId);
        }
    }

    /// <summary>Marks the job Running (null when there is nothing to run: unknown, finished, a stream, or cancelled while queued).</summary>
    private async Task<IngestJob?> StartAsync(SiemDbContext db, long jobId, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.FindAsync([jobId], cancellationToken);
        if (job is null || job.IsStream || job.Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled)
        {
            return null;
        }

        if (job.CancelRequested)
        {
            await FinishAsync(db, job, JobStatus.Cancelled, null);
            return null;
        }

        job.Status = JobStatus.Running;
        job.StartedUtc ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return job;
    }

    /// <summary>Reads the job's file after its last committed line, classifies and writes it batch by batch, at its replay pace if it has one.</summary>
    private async Task IngestAsync(SiemDbContext db, IngestJob job, CancellationToken cancellationToken)
    {
        var settings = options.Value.Ingest;
        var progress = new JobProgressMeter(job, new FileInfo(job.StoredPath).Length);
        var input = JobInput.Open(job.StoredPath, job.FileName, settings.DecompressionLimit, cancellationToken);
        if (job.Format != input.Format)
        {
            job.Format = input.Format;
            await db.SaveChangesAsync(cancellationToken);
        }
        var resumeAfter = job.CommittedLine;
        var lines = input.Lines.Where(l => l.LineNumber > resumeAfter);
        using var writer = store.OpenWriter(settings.KeptRejections, options.Value.Incidents.Window, exceptions);
        var writing = new Stopwatch();
        var pace = job.ReplayRate is { } rate and > 0 ? new ReplayPace(rate) : null;
        var largest = settings.BatchSize ?? store.DefaultBatchSize;
        var batchSize = pace is null ? largest : Math.Clamp((int)(pace.Rate / 4), 1, largest); // about 4 batches a second
        var model = models.Current; // one version for the whole job
        await ClassificationPipeline.RunAsync(lines, model.Classifier, async batch =>
        {
            if (pace is not null)
            {
                await pace.WaitForTurnAsync(batch.Records.Count, () => queue.WhenNotPausedAsync(job.Id, cancellationToken), cancellationToken);
            }

            writing.Start();
            var outcome = writer.Write(job.Id, batch.Lines, batch.Predictions, model.VersionId, time.GetUtcNow().ToUnixTimeMilliseconds(), job.Rejected, recordTimes: pace is null);
            writing.Stop();
            Apply(job, outcome);
            live.PublishCounts(batch.Predictions.Select(p => (p.Verdict, p.Category.ToName(), 1L)));
            live.PublishJob(progress.Report(input.BytesRead));
            if (outcome.Alerts > 0)
            {
                correlator.Signal();
            }
        }, batchSize, settings.ChannelCapacity, settings.ClassificationParallelism, cancellationToken);
        logger.LogInformation("Ingest job {JobId}: {Seconds:F2}s, of which {WriteSeconds:F2}s writing", job.Id, progress.Elapsed.TotalSeconds, writing.Elapsed.TotalSeconds);
    }

    /// <summary>A running job's rate and estimated total lines, from how far through its file the reader is.</summary>
    private sealed class JobProgressMeter(IngestJob job, long fileLength)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly long _startedAt = job.Read;

        public TimeSpan Elapsed => _clock.Elapsed;

        public JobProgress Report(long bytesRead)
        {
            var fraction = fileLength == 0 ? 1 : Math.Clamp((double)bytesRead / fileLength, 1e-6, 1);
            return ToProgress(job, (job.Read - _startedAt) / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3), (long)(job.Read / fraction));
        }
    }

    private async Task FinishAsync(SiemDbContext db, IngestJob job, JobStatus status, string? error)
    {
        // The writer committed the counters on its own connection: reload them before the final update.
        await db.Entry(job).ReloadAsync();
        job.Status = status;
        job.Error = error;
        job.FinishedUtc = time.GetUtcNow().UtcDateTime;
        job.ClaimedBy = null; // a retry may run anywhere
        await db.SaveChangesAsync();
        if (status is JobStatus.Completed or JobStatus.Cancelled && !options.Value.Ingest.KeepUploadedFiles && job.StoredPath.Length > 0)
        {
            DeleteUploadedFile(job);
        }

        live.PublishJob(ToProgress(job, 0, job.Read));
        correlator.Signal();
        logger.LogInformation("Ingest job {JobId} {Status}: {Classified} classified, {Rejected} rejected, {Alerts} alerts",
            job.Id, status, job.Classified, job.Rejected, job.Alerts);
    }

    /// <summary>The events are stored: the upload's copy only takes space (Siem:Ingest:KeepUploadedFiles keeps it).</summary>
    private void DeleteUploadedFile(IngestJob job)
    {
        try
        {
            File.Delete(job.StoredPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the file of job {JobId}; it is removed at the next start", job.Id);
        }
    }

    private static void Apply(IngestJob job, BatchOutcome outcome)
    {
        job.Read += outcome.Lines;
        job.Classified += outcome.Classified;
        job.Rejected += outcome.Rejected;
        job.Alerts += outcome.Alerts;
        job.LabelledRecords += outcome.LabelledRecords;
        job.LabelledCorrect += outcome.LabelledCorrect;
        job.CommittedLine = Math.Max(job.CommittedLine, outcome.LastLine);
    }

    public static JobProgress ToProgress(IngestJob job, double rate, long? estimatedTotal) => new(
        job.Id, job.FileName, job.Status.ToString(), job.Read, job.Classified, job.Rejected, job.Alerts, job.IncidentsCreated,
        Math.Round(rate), estimatedTotal, job.StartedUtc, job.FinishedUtc, job.Error);
}
