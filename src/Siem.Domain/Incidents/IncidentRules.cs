using Siem.Domain.Labels;

namespace Siem.Domain.Incidents;

public enum IncidentStatus
{
    Open,
    Acknowledged,
    Resolved,
    Closed,
}

public enum IncidentSeverity
{
    Low,
    Medium,
    High,
    Critical,
}

public enum IncidentResolution
{
    TruePositive,
    FalsePositive,
    Benign,
}

/// <summary>How alerts become incidents: grouping key, severity, and the allowed status changes.</summary>
public static class IncidentRules
{
    /// <summary>The label incidents of records flagged unknown are grouped under.</summary>
    public const string UnknownLabel = "unknown";

    /// <summary>Severity from the category: u2r critical, r2l and dos high, probe and unknown medium.</summary>
    public static IncidentSeverity SeverityOf(KddCategory category, bool unknown) => unknown
        ? IncidentSeverity.Medium
        : category switch
        {
            KddCategory.U2R => IncidentSeverity.Critical,
            KddCategory.R2L or KddCategory.Dos => IncidentSeverity.High,
            KddCategory.Probe => IncidentSeverity.Medium,
            _ => IncidentSeverity.Low,
        };

    /// <summary>The label an alert is grouped under (its class, or "unknown" when flagged unknown).</summary>
    public static string GroupLabel(string predictedLabel, bool unknown) => unknown ? UnknownLabel : predictedLabel;

    /// <summary>Whether <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool CanMove(IncidentStatus from, IncidentStatus to) => (from, to) switch
    {
        (IncidentStatus.Open, IncidentStatus.Acknowledged) => true,
        (IncidentStatus.Open or IncidentStatus.Acknowledged, IncidentStatus.Resolved or IncidentStatus.Closed) => true,
        (IncidentStatus.Resolved or IncidentStatus.Closed or IncidentStatus.Acknowledged, IncidentStatus.Open) => true,
        _ => false,
    };

    /// <summary>Resolving or closing needs a reason; the other moves do not.</summary>
    public static bool NeedsResolution(IncidentStatus to) => to is IncidentStatus.Resolved or IncidentStatus.Closed;
}
