using Siem.Detection.Model;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Training.Week;

/// <summary>An incident as the harness sees it: which host, when, called what.</summary>
public sealed record IncidentSpan(string Host, long FirstMs, long LastMs, string Label, long Alerts, double Risk);

/// <summary>How well incidents matched the episodes of a week.</summary>
public sealed record WeekScore(int Incidents, int TrueIncidents, int LoudFound, int Loud, int QuietFound, int Quiet, long Alerts, long Records)
{
    public double Precision => Incidents == 0 ? 1 : (double)TrueIncidents / Incidents;
    public double LoudRecall => Loud == 0 ? 1 : (double)LoudFound / Loud;
    public double QuietRecall => Quiet == 0 ? 1 : (double)QuietFound / Quiet;

    public override string ToString() =>
        $"{Incidents:N0} incidents, {TrueIncidents:N0} real: precision {Precision:P1}; loud episodes found {LoudFound}/{Loud} ({LoudRecall:P0}), " +
        $"quiet {QuietFound}/{Quiet} ({QuietRecall:P0}); {Alerts:N0} alerts in {Records:N0} records";
}

/// <summary>
/// Runs a week through the same pieces as the app, in memory: the classifier in batches, each alert's risk
/// (<see cref="AlertRisk"/>), per-batch grouping (<see cref="AlertGrouping"/>, as the writer does) and the
/// risk engine (<see cref="RiskEngine"/>, as the correlator does).
/// </summary>
public static class IncidentSimulation
{
    private const int Batch = 2048;

    public static List<IncidentSpan> Run(IReadOnlyList<ConnectionRecord> records, OnnxClassifier classifier, RiskSettings settings, Func<Prediction, ConnectionRecord, double>? risk = null)
    {
        risk ??= (p, r) => AlertRisk.Score(p.Category, p.Unknown, p.Confidence, r);
        var hosts = new Dictionary<string, HostRisk>(StringComparer.Ordinal);
        var incidents = new List<(string Host, RiskIncident Incident)>();
        foreach (var chunk in records.Chunk(Batch))
        {
            var predictions = classifier.Classify(chunk);
            var alerts = new List<Alert>();
            for (var i = 0; i < chunk.Length; i++)
            {
                var p = predictions[i];
                if (p.IsAlert)
                {
                    alerts.Add(new Alert(IncidentRules.GroupLabel(p.Label, p.Unknown), chunk[i].DstIp?.ToString(), p.Category.ToName(), p.Unknown,
                        chunk[i].Timestamp!.Value.ToUnixTimeMilliseconds(), risk(p, chunk[i])));
                }
            }

            foreach (var segment in AlertGrouping.Segment(alerts, settings.WindowMs).OrderBy(s => s.FirstMs))
            {
                var key = segment.Host ?? "";
                if (!hosts.TryGetValue(key, out var host))
                {
                    hosts[key] = host = new HostRisk();
                }

                if (RiskEngine.Add(host, segment, settings) == RiskOutcome.Opened)
                {
                    incidents.Add((key, host.Active!));
                }
            }
        }

        return [.. incidents.Select(i => new IncidentSpan(i.Host, i.Incident.FirstMs, i.Incident.LastMs, i.Incident.DominantLabel, i.Incident.Count, i.Incident.Risk))];
    }

    /// <summary>An incident is real when it overlaps an episode on its host; an episode is found when a real incident overlaps it.</summary>
    public static WeekScore Score(WeekOfTraffic week, IReadOnlyList<IncidentSpan> incidents, long alerts = 0)
    {
        bool Overlap(IncidentSpan i, Episode e) => i.Host == e.Host && i.FirstMs <= EpisodeMs(e.EndMs) && i.LastMs >= EpisodeMs(e.StartMs);
        var real = incidents.Count(i => week.Episodes.Any(e => Overlap(i, e)));
        var found = week.Episodes.Where(e => incidents.Any(i => Overlap(i, e))).ToList();
        return new WeekScore(incidents.Count, real, found.Count(e => e.Loud), week.Episodes.Count(e => e.Loud),
            found.Count(e => !e.Loud), week.Episodes.Count(e => !e.Loud), alerts, week.Records.Count);
    }

    private static long EpisodeMs(long offsetMs) => RealisticWeek.Start.ToUnixTimeMilliseconds() + offsetMs;
}
