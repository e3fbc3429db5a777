using Siem.Store.Persistence;

namespace Siem.Store.Ingest;

public sealed record RejectionView(long Line, string Reason);

public sealed record JobView(long Id, string FileName, long SizeBytes, string Status, string CreatedBy, DateTime CreatedUtc, DateTime? StartedUtc,
    DateTime? FinishedUtc, long Read, long Classified, long Rejected, long Alerts, long Incidents, double? LabelAccuracy, long LabelledRecords,
    string? Error, IReadOnlyList<RejectionView>? Rejections, double? ReplayRate = null, bool Paused = false, string? Format = null);

public static class JobViews
{
    public static JobView From(IngestJob job, IReadOnlyList<RejectionView>? rejections = null) => new(
        job.Id, job.FileName, job.SizeBytes, job.Status.ToString(), job.CreatedBy, Utc(job.CreatedUtc), Utc(job.StartedUtc), Utc(job.FinishedUtc),
        job.Read, job.Classified, job.Rejected, job.Alerts, job.IncidentsCreated,
        job.LabelledRecords == 0 ? null : (double)job.LabelledCorrect / job.LabelledRecords, job.LabelledRecords, job.Error, rejections, job.ReplayRate, job.Paused, job.Format);

    // SQLite hands times back without a kind; they are stored in UTC, and the API says so ("Z") in lists as on create.
    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private static DateTime? Utc(DateTime? time) => time is { } t ? Utc(t) : null;
}
