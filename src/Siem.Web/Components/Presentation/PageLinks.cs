using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Siem.Store.Incidents;

namespace Siem.Web.Components.Presentation;

/// <summary>Links between pages, built in one place (never by hand in a page).</summary>
public static class PageLinks
{
    /// <summary>The explorer on a query and a time range in Unix ms (each optional).</summary>
    public static string Events(string? query = null, long? fromMs = null, long? toMs = null) =>
        QueryHelpers.AddQueryString("/events", Parameters(("from", fromMs?.ToString(CultureInfo.InvariantCulture)), ("to", toMs?.ToString(CultureInfo.InvariantCulture)), ("q", query)));

    /// <summary>The incident's events: its class (or any unknown verdict) on its host over its lifetime.</summary>
    public static string EventsOf(IncidentSummary incident) =>
        Events(IncidentActivity.EventQueryOf(incident), incident.FirstSeen.ToUnixTimeMilliseconds(), incident.LastSeen.ToUnixTimeMilliseconds() + 1);

    /// <summary>The CSV export of what the explorer shows.</summary>
    public static string EventExport(string? query, long? fromMs, long? toMs) =>
        QueryHelpers.AddQueryString("/api/events/export", Parameters(("q", query), ("from", Iso(fromMs)), ("to", Iso(toMs))));

    private static string? Iso(long? unixMs) => unixMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture) : null;

    private static Dictionary<string, string?> Parameters(params (string Name, string? Value)[] parameters) =>
        parameters.Where(p => !string.IsNullOrWhiteSpace(p.Value)).ToDictionary(p => p.Name, p => p.Value);
}
