using System.Globalization;

namespace Siem.Domain.Incidents;

/// <param name="WindowMs">Risk accumulates over alerts of one host no further apart than this; an open incident grows by alerts within it.</param>
/// <param name="OpenThreshold">A host's accumulated risk that opens an incident.</param>
/// <param name="SingleAlertThreshold">One alert this risky opens an incident by itself (a confident u2r or r2l verdict, or strong content evidence).</param>
public sealed record RiskSettings(long WindowMs, double OpenThreshold = RiskSettings.DefaultOpenThreshold, double SingleAlertThreshold = RiskSettings.DefaultSingleAlertThreshold)
{
    public const double DefaultOpenThreshold = 40;
    public const double DefaultSingleAlertThreshold = 38;
}

/// <summary>An incident as risk accumulation sees it: its span, count, risk and what made it.</summary>
public sealed class RiskIncident
{
    public long FirstMs { get; set; } = long.MaxValue;
    public long LastMs { get; set; } = long.MinValue;
    public long Count { get; set; }
    public double Risk { get; set; }

    /// <summary>Alerts and risk per group label (attack class or unknown).</summary>
    public Dictionary<string, (long Count, double Risk, string Category)> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>Why it opened, in words.</summary>
    public string Reason { get; set; } = "";

    /// <summary>The label that carries the most risk: what the incident is called.</summary>
    public string DominantLabel => Labels.OrderByDescending(l => l.Value.Risk).ThenBy(l => l.Key, StringComparer.Ordinal).First().Key;

    public void Add(AlertSegment segment)
    {
        FirstMs = Math.Min(FirstMs, segment.FirstMs);
        LastMs = Math.Max(LastMs, segment.LastMs);
        Count += segment.Count;
        Risk += segment.Risk;
        var current = Labels.GetValueOrDefault(segment.GroupLabel, (0, 0, segment.Category));
        Labels[segment.GroupLabel] = (current.Count + segment.Count, current.Risk + segment.Risk, current.Category);
    }

    /// <summary>"neptune 300 alerts (risk 2,340), unknown 2 (risk 4)".</summary>
    public string Contributions() => string.Join(", ", Labels.OrderByDescending(l => l.Value.Risk)
        .Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value.Count:N0} alerts (risk {l.Value.Risk:N0})")));
}

/// <summary>One destination host's state: alerts held below the threshold, and its open incident.</summary>
public sealed class HostRisk
{
    public List<AlertSegment> Held { get; } = [];

    public RiskIncident? Active { get; set; }
}

public enum RiskOutcome
{
    /// <summary>The alerts joined the host's open incident.</summary>
    Joined,

    /// <summary>They (with the host's held alerts) opened a new incident.</summary>
    Opened,

    /// <summary>Kept: stored and searchable, counted toward the host's risk, but no incident (yet).</summary>
    Held,
}

/// <summary>
/// Risk-based alerting, as pure code shared by the store's correlator and the realistic-week harness: alerts
/// join a host's open incident while they come within the window of it; otherwise they are held, and the
/// host's held risk over the window opens a new incident when it crosses the threshold, or a single alert
/// risky enough opens one at once. Held alerts older than the window expire (they stay stored as events).
/// </summary>
public static class RiskEngine
{
    public static RiskOutcome Add(HostRisk host, AlertSegment segment, RiskSettings settings)
    {
        if (host.Active is { } incident && segment.Touches(incident.FirstMs, incident.LastMs, settings.WindowMs))
        {
            incident.Add(segment);
            return RiskOutcome.Joined;
        }

        Expire(host, segment.FirstMs, settings);
        host.Held.Add(segment);
        var risk = host.Held.Sum(s => s.Risk);
        var single = segment.MaxRisk >= settings.SingleAlertThreshold;
        if (!single && risk < settings.OpenThreshold)
        {
            return RiskOutcome.Held;
        }

        var opened = new RiskIncident();
        foreach (var held in host.Held)
        {
            opened.Add(held);
        }

        opened.Reason = single
            ? string.Create(CultureInfo.InvariantCulture, $"one alert with risk {segment.MaxRisk:N0} (>= {settings.SingleAlertThreshold:N0}): {segment.GroupLabel}")
            : string.Create(CultureInfo.InvariantCulture, $"risk {risk:N0} within {TimeSpan.FromMilliseconds(settings.WindowMs).TotalMinutes:N0} min (>= {settings.OpenThreshold:N0})");
        opened.Reason += "; " + opened.Contributions();
        host.Held.Clear();
        host.Active = opened;
        return RiskOutcome.Opened;
    }

    /// <summary>Drops held alerts that ended more than the window before <paramref name="nowMs"/> (data time).</summary>
    public static void Expire(HostRisk host, long nowMs, RiskSettings settings) =>
        host.Held.RemoveAll(s => s.LastMs < nowMs - settings.WindowMs);
}
