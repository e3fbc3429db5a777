using Siem.Domain.Incidents;

namespace Siem.Store.Incidents;

/// <summary>The names of bulk actions and the status each moves incidents to.</summary>
public static class BulkActions
{
    public static IncidentStatus Parse(string action) => action.Trim().ToLowerInvariant() switch
    {
        "acknowledge" => IncidentStatus.Acknowledged,
        "resolve" => IncidentStatus.Resolved,
        "close" => IncidentStatus.Closed,
        "reopen" => IncidentStatus.Open,
        _ => throw new InvalidInputException($"'{action}' is not one of acknowledge, resolve, close, reopen."),
    };
}
