using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Siem.Store.Persistence;

namespace Siem.Store.Notifications;

/// <summary>What a notification says about an incident.</summary>
public sealed record IncidentFacts(long Id, string Label, string Category, string Severity, string Status, string? Host, long Alerts, double Risk,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen, string? Reason)
{
    public static IncidentFacts Of(Incident i) => new(i.Id, i.Label, i.Category, i.Severity.ToString(), i.Status.ToString(), i.DstHost, i.AlertCount,
        Math.Round(i.Risk, 1), DateTimeOffset.FromUnixTimeMilliseconds(i.FirstSeenMs), DateTimeOffset.FromUnixTimeMilliseconds(i.LastSeenMs), i.OpenReason);

    /// <summary>What a "send test" describes.</summary>
    public static IncidentFacts Sample(DateTimeOffset now) => new(0, "neptune", "dos", "High", "Open", "10.0.0.9", 20, 45.0, now.AddMinutes(-1), now,
        "test notification: no incident opened");
}

/// <summary>
/// The text of notifications: a webhook's JSON body from a template with <c>{{placeholders}}</c> (values are
/// JSON-escaped, so a template stays valid JSON whatever an incident holds) and a mail's subject and body.
/// </summary>
public static partial class NotificationMessages
{
    /// <summary>The body sent when a rule has no template; <c>text</c> makes it readable by chat webhooks that show a text field.</summary>
    public const string DefaultWebhookBody = """
        {
          "source": "siem",
          "trigger": "{{trigger}}",
          "text": "{{summary}}",
          "incident": {
            "id": {{incident.id}},
            "label": "{{incident.label}}",
            "category": "{{incident.category}}",
            "severity": "{{incident.severity}}",
            "status": "{{incident.status}}",
            "host": "{{incident.host}}",
            "alerts": {{incident.alerts}},
            "risk": {{incident.risk}},
            "firstSeen": "{{incident.first_seen}}",
            "lastSeen": "{{incident.last_seen}}",
            "reason": "{{incident.reason}}",
            "url": "{{incident.url}}"
          }
        }
        """;

    public static readonly IReadOnlyList<string> Placeholders =
    [
        "trigger", "summary", "incident.id", "incident.label", "incident.category", "incident.severity", "incident.status", "incident.host",
        "incident.alerts", "incident.risk", "incident.first_seen", "incident.last_seen", "incident.reason", "incident.url",
    ];

    [GeneratedRegex(@"\{\{\s*([a-z_.]+)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>"incident.opened", "incident.unacknowledged" or "test".</summary>
    public static string TriggerName(NotificationTrigger trigger, bool test) =>
        test ? "test" : trigger == NotificationTrigger.Opened ? "incident.opened" : "incident.unacknowledged";

    /// <summary>"High incident #12 opened: neptune (dos) on 10.0.0.9, 20 alerts".</summary>
    public static string Summary(IncidentFacts incident, NotificationTrigger trigger, bool test, int? escalateAfterMinutes)
    {
        var what = test ? "Test notification" : $"{incident.Severity} incident #{incident.Id}";
        var how = trigger == NotificationTrigger.Unacknowledged && !test ? $" unacknowledged for {escalateAfterMinutes} min" : " opened";
        var where = incident.Host is null ? "" : $" on {incident.Host}";
        return string.Create(CultureInfo.InvariantCulture, $"{what}{how}: {incident.Label} ({incident.Category}){where}, {incident.Alerts} alerts");
    }

    public static string IncidentUrl(string? publicUrl, long id) =>
        (string.IsNullOrWhiteSpace(publicUrl) ? "" : publicUrl.TrimEnd('/')) + "/incidents/" + id.ToString(CultureInfo.InvariantCulture);

    public static string RenderWebhookBody(string? template, IncidentFacts incident, NotificationTrigger trigger, bool test, string? publicUrl, int? escalateAfterMinutes)
    {
        var values = Values(incident, trigger, test, publicUrl, escalateAfterMinutes);
        return Placeholder().Replace(template ?? DefaultWebhookBody, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);
    }

    /// <summary>Refuses a template that names an unknown placeholder or is not JSON once filled in.</summary>
    public static void ValidateTemplate(string template)
    {
        var unknown = Placeholder().Matches(template).Select(m => m.Groups[1].Value).Where(p => !Placeholders.Contains(p)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidInputException($"Unknown placeholder {string.Join(", ", unknown.Select(u => "{{" + u + "}}"))}; known: {string.Join(", ", Placeholders.Select(p => "{{" + p + "}}"))}.");
        }

        var sample = RenderWebhookBody(template, IncidentFacts.Sample(DateTimeOffset.UnixEpoch), NotificationTrigger.Opened, test: true, null, null);
        try
        {
            using var _ = JsonDocument.Parse(sample);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"The body template is not JSON once filled in: {e.Message}");
        }
    }

    /// <summary>A mail's plain-text body.</summary>
    public static string MailBody(IncidentFacts incident, NotificationTrigger trigger, bool test, string? publicUrl, int? escalateAfterMinutes)
    {
        var text = new StringBuilder();
        text.AppendLine(Summary(incident, trigger, test, escalateAfterMinutes)).AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Severity:   {incident.Severity}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Label:      {incident.Label} ({incident.Category})");
        text.AppendLine(CultureInfo.InvariantCulture, $"Host:       {incident.Host ?? "(none)"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Alerts:     {incident.Alerts} (risk {incident.Risk:0.0})");
        text.AppendLine(CultureInfo.InvariantCulture, $"First seen: {incident.FirstSeen:yyyy-MM-dd HH:mm:ss} UTC");
        text.AppendLine(CultureInfo.InvariantCulture, $"Last seen:  {incident.LastSeen:yyyy-MM-dd HH:mm:ss} UTC");
        text.AppendLine(CultureInfo.InvariantCulture, $"Status:     {incident.Status}");
        if (incident.Reason is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Why:        {incident.Reason}");
        }

        text.AppendLine().AppendLine(IncidentUrl(publicUrl, incident.Id));
        return text.ToString();
    }

    private static Dictionary<string, string> Values(IncidentFacts incident, NotificationTrigger trigger, bool test, string? publicUrl, int? escalateAfterMinutes)
    {
        static string Escape(string? text) => JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(text ?? "");
        var inv = CultureInfo.InvariantCulture;
        return new(StringComparer.Ordinal)
        {
            ["trigger"] = TriggerName(trigger, test),
            ["summary"] = Escape(Summary(incident, trigger, test, escalateAfterMinutes)),
            ["incident.id"] = incident.Id.ToString(inv),
            ["incident.label"] = Escape(incident.Label),
            ["incident.category"] = Escape(incident.Category),
            ["incident.severity"] = incident.Severity,
            ["incident.status"] = incident.Status,
            ["incident.host"] = Escape(incident.Host),
            ["incident.alerts"] = incident.Alerts.ToString(inv),
            ["incident.risk"] = incident.Risk.ToString("0.0", inv),
            ["incident.first_seen"] = incident.FirstSeen.UtcDateTime.ToString("O", inv),
            ["incident.last_seen"] = incident.LastSeen.UtcDateTime.ToString("O", inv),
            ["incident.reason"] = Escape(incident.Reason),
            ["incident.url"] = Escape(IncidentUrl(publicUrl, incident.Id)),
        };
    }
}
