using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Store.Incidents;

public sealed record IncidentSummary(long Id, string Label, string Category, string Severity, string? MitreTechnique, string? DstHost,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long AlertCount, string Status, string? Resolution, string? Assignee,
    DateTime CreatedUtc, DateTime UpdatedUtc, double Risk = 0, string? OpenReason = null);

public sealed record IncidentNoteView(string Author, DateTime AtUtc, string Text);

public sealed record AuditView(DateTime AtUtc, string Actor, string Action, string? Reason, string? Details);

public sealed record IncidentDetail(IncidentSummary Incident, IReadOnlyList<IncidentNoteView> Notes, IReadOnlyList<AuditView> Audit);

public static class IncidentViews
{
    public static IncidentSummary Summary(Incident i) => new(i.Id, i.Label, i.Category, i.Severity.ToString(), i.MitreTechnique, i.DstHost,
        DateTimeOffset.FromUnixTimeMilliseconds(i.FirstSeenMs), DateTimeOffset.FromUnixTimeMilliseconds(i.LastSeenMs), i.AlertCount,
        i.Status.ToString(), i.Resolution?.ToString(), i.Assignee, i.CreatedUtc, i.UpdatedUtc, Math.Round(i.Risk, 1), i.OpenReason);

    public static IncidentChange Change(Incident i, bool created) =>
        new(i.Id, i.Label, i.Category, i.Severity.ToString(), i.DstHost, i.Status.ToString(), i.AlertCount, i.LastSeenMs, created);
}
