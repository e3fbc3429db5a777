using Siem.Domain.Incidents;
using Siem.Web.Persistence;

namespace Siem.Web.Incidents;

/// <summary>
/// The one definition of "incidents matching the filter", used by the list and by bulk actions, so acting on
/// everything that matches touches exactly what the list shows.
/// </summary>
public sealed record IncidentFilter(IncidentStatus? Status = null, IncidentSeverity? Severity = null, string? Label = null)
{
    public IQueryable<Incident> Apply(IQueryable<Incident> incidents)
    {
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
