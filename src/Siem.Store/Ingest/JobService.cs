using Microsoft.EntityFrameworkCore;
using Siem.Detection.Evaluation;
using Siem.Detection.Model;
using Siem.Store.Persistence;
using Siem.Store.Stats;

namespace Siem.Store.Ingest;

/// <summary>The outcome of an action on an ingest job.</summary>
public abstract record JobActionResult
{
    public sealed record Done(JobView Job) : JobActionResult;
    public sealed record NotFound(long Id) : JobActionResult;
    public sealed record Conflict(string Reason) : JobActionResult;
}

/// <summary>Ingest jobs for the Upload, Jobs and Model pages and the jobs API: lists, one job with its rejections, evaluation, pause/resume, cancel.</summary>
public sealed class JobService(IDbContextFactory<SiemDbContext> databases, JobQueue queue, Models.ActiveModel models, TimeProvider time)
{
    public async Task<IReadOnlyList<JobView>> RecentAsync(int count, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var jobs = await db.Jobs.AsNoTracking().OrderByDescending(j => j.Id).Take(count).ToListAsync(cancellationToken);
        return [.. jobs.Select(j => JobViews.From(j))];
    }

    /// <summary>Jobs whose records carried labels, newest first: the ones the model can be evaluated on.</summary>
    public async Task<IReadOnlyList<JobView>> LabelledAsync(int count, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var jobs = await db.Jobs.AsNoTracking().Where(j => j.LabelledRecords > 0).OrderByDescending(j => j.Id).Take(count).ToListAsync(cancellationToken);
        return [.. jobs.Select(j => JobViews.From(j))];
    }

    public async Task<JobView?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (job is null)
        {
            return null;
        }

        var rejections = await db.JobRejections.AsNoTracking().Where(r => r.JobId == id).OrderBy(r => r.Line)
            .Select(r => new RejectionView(r.Line, r.Reason)).ToListAsync(cancellationToken);
        return JobViews.From(job, rejections);
    }

    /// <summary>How the model did on a labelled upload, or null when the job has no labelled records.</summary>
    public async Task<EvaluationReport?> EvaluateAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await UploadEvaluation.LoadAsync(db, id, models.Classifier.Labels, cancellationToken);
    }

    /// <summary>Pauses or resumes a replay (a job uploaded with a replay rate).</summary>
    public async Task<JobActionResult> SetPausedAsync(long id, bool paused, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (job is null)
        {
            return new JobActionResult.NotFound(id);
        }

        if (job.ReplayRate is null || job.Status is not (JobStatus.Queued or JobStatus.Running))
        {
            return new JobActionResult.Conflict($"Job {id} is not a running replay.");
        }

        job.Paused = paused;
        await db.SaveChangesAsync(cancellationToken);
        if (paused)
        {
            queue.Pause(id);
        }
        else
        {
            queue.Resume(id);
        }

        return new JobActionResult.Done(JobViews.From(job));
    }

    /// <summary>Cancels a job: a queued one at once, a running one at its next batch; audited.</summary>
    public async Task<JobActionResult> RequestCancelAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (job is null)
        {
            return new JobActionResult.NotFound(id);
        }

        if (job.Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled)
        {
            return new JobActionResult.Conflict($"Job {id} is already {job.Status}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        job.CancelRequested = true;
        if (job.Status == JobStatus.Queued)
        {
            job.Status = JobStatus.Cancelled;
            job.FinishedUtc = now;
        }

        db.Audit.Add(new AuditEntry
        {
            AtUtc = now,
            Actor = actor,
            Action = "Cancel requested",
            EntityType = nameof(IngestJob),
            EntityId = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await db.SaveChangesAsync(cancellationToken);
        queue.CancelRunning(id);
        return new JobActionResult.Done(JobViews.From(job));
    }

    /// <summary>
    /// Queues a failed job again (a full disk or a busy store, since fixed): it goes on after its last committed line, so
    /// nothing it stored is stored twice. Refused for a job that did not fail or whose file is gone.
    /// </summary>
    public async Task<JobActionResult> RetryAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var job = await db.Jobs.FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
        if (job is null)
        {
            return new JobActionResult.NotFound(id);
        }

        if (job.Status != JobStatus.Failed || job.IsStream)
        {
            return new JobActionResult.Conflict($"Job {id} is {job.Status}: only a failed upload can be retried.");
        }

        if (!File.Exists(job.StoredPath))
        {
            return new JobActionResult.Conflict($"Job {id}'s file is gone from the data folder: upload it again.");
        }

        var error = job.Error;
        (job.Status, job.Error, job.FinishedUtc, job.CancelRequested) = (JobStatus.Queued, null, null, false);
        db.Audit.Add(new AuditEntry
        {
            AtUtc = time.GetUtcNow().UtcDateTime,
            Actor = actor,
            Action = "Retry",
            EntityType = nameof(IngestJob),
            EntityId = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Details = $"after line {job.CommittedLine}; it had failed: {error}",
        });
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(id);
        return new JobActionResult.Done(JobViews.From(job));
    }
}
