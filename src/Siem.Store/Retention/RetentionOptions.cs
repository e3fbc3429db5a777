using System.ComponentModel.DataAnnotations;

namespace Siem.Store.Retention;

/// <summary>How long what is kept (README "Retention"); a null limit keeps forever.</summary>
public sealed class RetentionOptions
{
    /// <summary>Off: nothing is ever deleted (the sweeper does not run).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Raw events older than this many days (by event time) are deleted.</summary>
    [Range(1, 36_500)]
    public int? EventDays { get; set; } = 90;

    /// <summary>The per-minute rollups the Timeline and Breakdown read: kept longer, so old weeks still chart.</summary>
    [Range(1, 36_500)]
    public int? RollupDays { get; set; } = 730;

    /// <summary>Resolved and closed incidents whose last alert is older than this (open ones are kept), with their notes and notification log.</summary>
    [Range(1, 36_500)]
    public int? IncidentDays { get; set; } = 365;

    /// <summary>Audit entries older than this.</summary>
    [Range(1, 36_500)]
    public int? AuditDays { get; set; } = 730;

    /// <summary>The database's used size the sweeper keeps under, deleting the oldest events first (null: no cap).</summary>
    [Range(0.001, 1_000_000)]
    public double? MaxStoreGb { get; set; }

    /// <summary>How often the sweeper runs (and how long after start it first runs).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per transaction: small enough that the ingest writer never waits long for the database.</summary>
    [Range(100, 1_000_000)]
    public int BatchSize { get; set; } = 5000;

    /// <summary>A pause between batches that leaves the writer room.</summary>
    public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(20);
}
