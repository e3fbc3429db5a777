namespace Siem.Domain.Incidents;

/// <summary>One alert as incident grouping sees it.</summary>
/// <param name="GroupLabel">The attack class, or <see cref="IncidentRules.UnknownLabel"/> for unknown records.</param>
/// <param name="Host">The destination host when known.</param>
/// <param name="Risk">What the alert adds to its host's risk (<see cref="AlertRisk"/>).</param>
public readonly record struct Alert(string GroupLabel, string? Host, string Category, bool Unknown, long TimeMs, double Risk = 0);

/// <summary>Alerts of one class and host with no gap longer than the window between consecutive ones.</summary>
/// <param name="Risk">The sum of their risks.</param>
/// <param name="MaxRisk">The riskiest single alert among them.</param>
public sealed record AlertSegment(string GroupLabel, string? Host, string Category, bool Unknown, long FirstMs, long LastMs, long Count, double Risk = 0, double MaxRisk = 0)
{
    /// <summary>Whether this segment belongs with alerts spanning [firstMs, lastMs]: they overlap once widened by the window.</summary>
    public bool Touches(long firstMs, long lastMs, long windowMs) => FirstMs <= lastMs + windowMs && LastMs >= firstMs - windowMs;
}

/// <summary>The sliding-window grouping rule, as pure code: used per batch by the writer and again when merging into incidents.</summary>
public static class AlertGrouping
{
    public static List<AlertSegment> Segment(IEnumerable<Alert> alerts, long windowMs)
    {
        var segments = new List<AlertSegment>();
        foreach (var group in alerts.GroupBy(a => (a.GroupLabel, a.Host)))
        {
            AlertSegment? current = null;
            foreach (var alert in group.OrderBy(a => a.TimeMs))
            {
                if (current is not null && alert.TimeMs - current.LastMs <= windowMs)
                {
                    current = current with { LastMs = alert.TimeMs, Count = current.Count + 1, Risk = current.Risk + alert.Risk, MaxRisk = Math.Max(current.MaxRisk, alert.Risk) };
                    continue;
                }

                if (current is not null)
                {
                    segments.Add(current);
                }

                current = new AlertSegment(alert.GroupLabel, alert.Host, alert.Category, alert.Unknown, alert.TimeMs, alert.TimeMs, 1, alert.Risk, alert.Risk);
            }

            if (current is not null)
            {
                segments.Add(current);
            }
        }

        return segments;
    }
}
