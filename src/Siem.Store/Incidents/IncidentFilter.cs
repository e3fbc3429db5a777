using Siem.Domain.Incidents;
using Siem.Store.Persistence;

namespace Siem.Store.Incidents;

/// <summary>
/// The one definition of "incidents matching the filter", used by the list and by bulk actions, so acting on
/// everything that matches touches exactly what the list shows.
/// </summary>
/// <param name="Assignee">A user name, or <see cref="Unassigned"/> for incidents nobody has taken.</param>
/// <param name="From">Only incidents active at or after this time (last seen >= From).</param>
/// <param name="To">Only incidents active before this time (first seen &lt; To).</param>
public sealed record IncidentFilter(
    IncidentStatus? Status = null, IncidentSeverity? Severity = null, string? Label = null,
    string? Assignee = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public const string Unassigned = "none";

    /// <summary>The filter from its text fields (API query, bulk body, page): an unknown status or severity is an error, never dropped.</summary>
    public static IncidentFilter Parse(string? status, string? severity, string? label, string? assignee, DateTimeOffset? from, DateTimeOffset? to) => new(
        InputParsing.Optional<IncidentStatus>(status, "status"),
        InputParsing.Optional<IncidentSeverity>(severity, "severity"),
        string.IsNullOrWhiteSpace(label) ? null : label.Trim(),
        string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim(),
        from,
        to);

    public IQueryable<Incident> Apply(IQueryable<Incident> incidents)
    {
        if (!string.IsNullOrWhiteSpace(Assignee))
        {
            var assignee = Assignee.Trim();
            incidents = assignee.Equals(Unassigned, StringComparison.OrdinalIgnoreCase)
                ? incidents.Where(i => i.Assignee == null)
                : incidents.Where(i => i.Assignee == assignee);
        }

        if (From is { } from)
        {
            var fromMs = from.ToUnixTimeMilliseconds();
            incidents = incidents.Where(i => i.LastSeenMs >= fromMs);
        }

        if (To is { } to)
        {
            var toMs = to.ToUnixTimeMilliseconds();
            incidents = incidents.Where(i => i.FirstSeenMs < toMs);
        }

        if (Status is { } status)
        {
            incidents = incidents.Where(i => i.Status == status);
        }

        if (Severity is { } severity)
        {
            incidents = incidents.Where(i => i.Severity == severity);
        }

        if (!string.IsNullOrWhiteSpace(Label))
        {
            var label = Label.Trim().ToLowerInvariant();
            incidents = incidents.Where(i => i.Label == label);
        }

        return incidents;
    }
}

/// <summary>What a bulk action did.</summary>
public sealed record BulkResult(int Changed, int Skipped);

/// <summary>
/// Orders the database can use: severity and status are stored by name, so sorting the column itself
/// would be alphabetical (Critical, High, Low, Medium); these rank them by meaning instead.
/// </summary>
public static class IncidentOrdering
{
    public static readonly System.Linq.Expressions.Expression<Func<Incident, int>> SeverityRank = i =>
        i.Severity == IncidentSeverity.Critical ? 3 : i.Severity == IncidentSeverity.High ? 2 : i.Severity == IncidentSeverity.Medium ? 1 : 0;

    public static readonly System.Linq.Expressions.Expression<Func<Incident, int>> StatusRank = i =>
        i.Status == IncidentStatus.Open ? 0 : i.Status == IncidentStatus.Acknowledged ? 1 : i.Status == IncidentStatus.Resolved ? 2 : 3;
}
