using Siem.Domain.Incidents;

namespace Siem.Store.Persistence;

/// <summary>What makes a rule send.</summary>
public enum NotificationTrigger
{
    /// <summary>An incident opened.</summary>
    Opened,

    /// <summary>An incident is still Open (nobody acknowledged it) this many minutes after it opened.</summary>
    Unacknowledged,
}

public enum NotificationChannel
{
    /// <summary>An HTTP POST of a JSON body (templated) to a URL.</summary>
    Webhook,

    /// <summary>A mail over the configured SMTP server.</summary>
    Email,
}

public enum DeliveryStatus
{
    /// <summary>Waiting for its (next) attempt.</summary>
    Pending,
    Delivered,

    /// <summary>Every attempt failed; the last answer says why.</summary>
    Failed,

    /// <summary>Not sent: the escalation's incident was acknowledged, or the incident is gone, before it went out.</summary>
    Skipped,
}

/// <summary>Which incidents to tell whom about, and how.</summary>
public sealed class NotificationRule
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public bool Enabled { get; set; } = true;
    public NotificationTrigger Trigger { get; set; }

    /// <summary>For <see cref="NotificationTrigger.Unacknowledged"/>: minutes an incident stays Open before it escalates.</summary>
    public int? EscalateAfterMinutes { get; set; }

    public IncidentSeverity MinSeverity { get; set; }

    /// <summary>Only incidents of this label (null: any).</summary>
    public string? Label { get; set; }

    /// <summary>Only incidents of this category (dos, probe, r2l, u2r, unknown; null: any).</summary>
    public string? Category { get; set; }

    public NotificationChannel Channel { get; set; }

    /// <summary>The webhook URL, or the mail recipients (comma-separated).</summary>
    public required string Target { get; set; }

    /// <summary>A webhook's JSON body with <c>{{placeholders}}</c>; null: the default body.</summary>
    public string? BodyTemplate { get; set; }

    /// <summary>An extra header sent with a webhook (e.g. Authorization); its value is never shown back.</summary>
    public string? HeaderName { get; set; }
    public string? HeaderValue { get; set; }

    public required string CreatedBy { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

/// <summary>
/// One notification to send (an outbox row, written before anything is sent, so a crash loses none) and, once
/// tried, the delivery log: attempts, the last answer, when it was delivered. Unique on rule, incident and
/// trigger, so an incident is announced once per rule.
/// </summary>
public sealed class NotificationDelivery
{
    public long Id { get; set; }
    public long RuleId { get; set; }
    public required string RuleName { get; set; }

    /// <summary>The incident it is about; null for a test.</summary>
    public long? IncidentId { get; set; }
    public NotificationTrigger Trigger { get; set; }
    public bool IsTest { get; set; }
    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime NextAttemptUtc { get; set; }
    public DateTime? LastAttemptUtc { get; set; }
    public DateTime? DeliveredUtc { get; set; }

    /// <summary>The last answer: "HTTP 200 OK", "250 2.0.0 Ok: queued", or the error.</summary>
    public string? LastResult { get; set; }
}
