using Microsoft.AspNetCore.Identity;
using Siem.Domain.Incidents;
using Siem.Domain.Records;

namespace Siem.Store.Persistence;

public sealed class SiemUser : IdentityUser
{
    public string? DisplayName { get; set; }
    public bool Disabled { get; set; }
    public DateTime CreatedUtc { get; set; } = DateTime.UtcNow;
}

public enum JobStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>One uploaded file (or stream) being read, classified and stored.</summary>
public sealed class IngestJob
{
    public long Id { get; set; }
    public required string FileName { get; set; }
    public required string StoredPath { get; set; }

    /// <summary>What the records came as (see <see cref="Ingest.InputFormats"/>); null for jobs made before it was kept.</summary>
    public string? Format { get; set; }
    public long SizeBytes { get; set; }
    public JobStatus Status { get; set; } = JobStatus.Queued;
    public required string CreatedBy { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime? FinishedUtc { get; set; }

    /// <summary>Lines read so far (good and bad).</summary>
    public long Read { get; set; }
    public long Classified { get; set; }
    public long Rejected { get; set; }
    public long Alerts { get; set; }
    public long IncidentsCreated { get; set; }

    /// <summary>The last input line whose outcome is committed: a restarted job resumes after it.</summary>
    public long CommittedLine { get; set; }

    public long LabelledRecords { get; set; }
    public long LabelledCorrect { get; set; }
    public bool CancelRequested { get; set; }

    /// <summary>The ingest node running (or about to run) the job; another node takes it over once <see cref="HeartbeatUtc"/> is older than the claim timeout.</summary>
    public string? ClaimedBy { get; set; }
    public DateTime? HeartbeatUtc { get; set; }

    /// <summary>A stream job collects the records one API source sends to /api/ingest; it has no file.</summary>
    public bool IsStream { get; set; }

    /// <summary>When set, the file plays out at this many records per second, stamped with the time they play.</summary>
    public double? ReplayRate { get; set; }

    /// <summary>A replay can be paused and resumed.</summary>
    public bool Paused { get; set; }
    public string? Error { get; set; }
    public List<JobRejection> Rejections { get; set; } = [];
}

/// <summary>A rejected input line (only the first 100 per job are kept).</summary>
public sealed class JobRejection
{
    public long Id { get; set; }
    public long JobId { get; set; }
    public long Line { get; set; }
    public required string Reason { get; set; }
}

/// <summary>A classified connection. Unique on (JobId, Line), so re-processing a job never duplicates.</summary>
public sealed class SecurityEvent
{
    public long Id { get; set; }
    public long JobId { get; set; }
    public long Line { get; set; }

    /// <summary>Event time in Unix milliseconds (the record's timestamp, else its ingest time).</summary>
    public long TimeMs { get; set; }

    public required ConnectionRecord Connection { get; set; }
    public required string Label { get; set; }
    public required string Category { get; set; }
    public float Confidence { get; set; }
    public bool Unknown { get; set; }
    public bool IsAlert { get; set; }

    /// <summary>For an unknown verdict (<see cref="Label"/> "unknown"): the model's likeliest class; <see cref="Confidence"/> is its probability.</summary>
    public string? ClosestLabel { get; set; }

    /// <summary>An alert an exception matched: stored and searchable, but no incident.</summary>
    public bool Suppressed { get; set; }

    /// <summary>The content rule (beside the model) that made the verdict an attack where the model said normal; null when the model decided.</summary>
    public string? Rule { get; set; }

    /// <summary>The <see cref="ModelVersion"/> that made the verdict; null for events stored before versions were kept.</summary>
    public int? ModelVersion { get; set; }
}

/// <summary>
/// Alerts of one batch already grouped by class, host and time (written with the events, in the same
/// transaction), waiting for the correlator to merge them into incidents. A durable queue: a row is
/// deleted in the transaction that applies it.
/// </summary>
public sealed class PendingAlertGroup
{
    public long Id { get; set; }
    public long JobId { get; set; }
    public required string Label { get; set; }
    public string? DstHost { get; set; }
    public required string Category { get; set; }
    public bool Unknown { get; set; }
    public long FirstMs { get; set; }
    public long LastMs { get; set; }
    public long Count { get; set; }

    /// <summary>The sum of the alerts' risks, and the riskiest one.</summary>
    public double Risk { get; set; }
    public double MaxRisk { get; set; }

    /// <summary>Correlated, but below its host's threshold: kept (counted toward the host's risk) until the window passes it.</summary>
    public bool Held { get; set; }
}

/// <summary>Events per minute per label: what charts read instead of scanning events.</summary>
public sealed class RollupMinute : IPerMinute
{
    /// <summary>Bucket start in Unix minutes.</summary>
    public long Minute { get; set; }
    public required string Label { get; set; }
    public required string Category { get; set; }
    public long Count { get; set; }
    public long Alerts { get; set; }
}

/// <summary>
/// Alerts per minute by one of their dimensions (service, protocol, flag, destination host), kept beside
/// the events so that the attack breakdown of a week reads a few thousand rows instead of every alert.
/// </summary>
public sealed class AlertRollupMinute : IPerMinute
{
    public const string Service = "service";
    public const string Protocol = "protocol";
    public const string Flag = "flag";
    public const string Host = "host";

    /// <summary>Bucket start in Unix minutes.</summary>
    public long Minute { get; set; }
    public required string Dimension { get; set; }
    public required string Value { get; set; }
    public long Count { get; set; }
}

/// <summary>
/// How many of a job's labelled records got each verdict, written with the events: evaluating an upload
/// of millions then reads a few dozen rows instead of grouping every event.
/// </summary>
public sealed class JobVerdictCount
{
    public long JobId { get; set; }
    public required string ActualLabel { get; set; }
    public required string Label { get; set; }
    public required string Category { get; set; }
    public bool Unknown { get; set; }
    public long Count { get; set; }
}

/// <summary>Alerts of one attack class (and destination host when known) grouped within a sliding window.</summary>
public sealed class Incident
{
    public long Id { get; set; }
    public required string Label { get; set; }
    public required string Category { get; set; }
    public string? DstHost { get; set; }
    public IncidentSeverity Severity { get; set; }
    public string? MitreTechnique { get; set; }
    public long FirstSeenMs { get; set; }
    public long LastSeenMs { get; set; }
    public long AlertCount { get; set; }

    /// <summary>The risk of its alerts so far, and why it opened (the threshold crossed and what made it).</summary>
    public double Risk { get; set; }
    public string? OpenReason { get; set; }
    public IncidentStatus Status { get; set; }
    public IncidentResolution? Resolution { get; set; }
    public string? Assignee { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
    public List<IncidentNote> Notes { get; set; } = [];
}

/// <summary>An analyst's exception to alerting (see <see cref="Siem.Domain.Incidents.ExceptionRule"/>).</summary>
public sealed class AlertException
{
    public long Id { get; set; }
    public string? Label { get; set; }
    public string? DstHost { get; set; }
    public string? SrcHost { get; set; }
    public string? Service { get; set; }
    public int? DstPort { get; set; }
    public string? Protocol { get; set; }
    public required string Reason { get; set; }
    public DateTime? ExpiresUtc { get; set; }
    public bool Enabled { get; set; } = true;
    public required string CreatedBy { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }

    /// <summary>The incident it was made from, if any.</summary>
    public long? FromIncidentId { get; set; }
    public long SuppressedCount { get; set; }
    public DateTime? LastMatchedUtc { get; set; }
}

public sealed class IncidentNote
{
    public long Id { get; set; }
    public long IncidentId { get; set; }
    public required string Author { get; set; }
    public DateTime AtUtc { get; set; }
    public required string Text { get; set; }
}

/// <summary>Who did what, when and why.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTime AtUtc { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public string? Reason { get; set; }
    public string? Details { get; set; }
}

/// <summary>An API key: only its SHA-256 hash is stored; the secret is shown once at creation.</summary>
public sealed class ApiKey
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Prefix { get; set; }
    public required string Hash { get; set; }
    public required string Role { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? RevokedUtc { get; set; }
    public DateTime? LastUsedUtc { get; set; }
}

/// <summary>A row of a per-minute rollup table (minutes since the Unix epoch).</summary>
public interface IPerMinute
{
    long Minute { get; }
}

/// <summary>Why some stored connections are labelled site traffic (see <see cref="SiteFeedback"/>).</summary>
public enum SiteFeedbackKind
{
    /// <summary>Every record of a completed upload is known normal site traffic.</summary>
    Baseline,

    /// <summary>An incident closed as a false positive: its events are normal site traffic.</summary>
    FalsePositive,

    /// <summary>Events an analyst marked in the explorer: the matches of a query in a time range, as stored when marked.</summary>
    Events,
}

/// <summary>
/// One piece of the site's labelled set: a reference to stored events (an upload, or a false-positive
/// incident's events) with the label they get, who added it and when. Resolved to records on export.
/// </summary>
public sealed class SiteFeedback
{
    public long Id { get; set; }
    public SiteFeedbackKind Kind { get; set; }
    public long? JobId { get; set; }
    public long? IncidentId { get; set; }
    public required string Label { get; set; }
    public required string AddedBy { get; set; }
    public DateTime AddedUtc { get; set; }

    /// <summary>Records it covered when it was added.</summary>
    public long Records { get; set; }
    public string? Note { get; set; }

    /// <summary>For <see cref="SiteFeedbackKind.Events"/>: the explorer query and range, and the last event id when marked (later matches are not included).</summary>
    public string? Query { get; set; }

    public long? FromMs { get; set; }
    public long? ToMs { get; set; }
    public long? UpToEventId { get; set; }
}

public enum ModelVersionKind
{
    Shipped,
    Retrained,
    Uploaded,
}

/// <summary>
/// A model the app can classify with: the shipped one, one retrained on the site's traffic, or one an admin
/// uploaded. Exactly one is active; activations are audited (<see cref="AuditEntry"/>, entity "model").
/// </summary>
public sealed class ModelVersion
{
    public int Id { get; set; }
    public ModelVersionKind Kind { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedUtc { get; set; }
    public required string CreatedBy { get; set; }

    /// <summary>What it was made from, in words ("KDD 10 % + site set of 1,234 records, weight 10").</summary>
    public required string Source { get; set; }

    /// <summary>The model card; relative paths are under the data folder (retrained and uploaded models live there).</summary>
    public required string CardPath { get; set; }

    /// <summary>SHA-256 of the ONNX file: the shipped model is registered again when an upgrade ships a new one.</summary>
    public required string Sha256 { get; set; }

    public bool IsActive { get; set; }
    public DateTime? ActivatedUtc { get; set; }
    public string? ActivatedBy { get; set; }
}

/// <summary>An explorer query kept under a name, with its range: private to its owner or shared with everyone; built-in ones come with the app.</summary>
public sealed class SavedSearch
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public required string Query { get; set; }
    public string? Description { get; set; }

    /// <summary>A relative range: the last this many minutes when it runs (null with no absolute range: all time).</summary>
    public int? RangeMinutes { get; set; }

    /// <summary>An absolute range in Unix milliseconds.</summary>
    public long? FromMs { get; set; }
    public long? ToMs { get; set; }

    public bool Shared { get; set; }
    public bool BuiltIn { get; set; }
    public required string Owner { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

/// <summary>Which node does a store-wide job (correlation, notifications, retention) until when: one holder at a time, taken over once it expires.</summary>
public sealed class StoreLease
{
    public required string Name { get; set; }
    public required string Holder { get; set; }
    public DateTime ExpiresUtc { get; set; }
}
