using System.Diagnostics;
using Siem.Detection.Model;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Training;
using Siem.Training.Week;

namespace Siem.Bench;

/// <summary>
/// `week [path]`: incident precision and episode recall on realistic weeks built from the training file
/// (held-out normal traffic, loud and quiet attack episodes; see <see cref="RealisticWeek"/>), for the old
/// rule (every alert opens or joins an incident of its class and host) and for risk-based incidents, over
/// several seeds. SIEM_WEEK_SEEDS sets how many (default 5).
/// </summary>
internal static class WeekBenchmark
{
    public static int Run(string? path)
    {
        var clock = Stopwatch.StartNew();
        var options = new TrainingOptions { DataPath = BenchData.KddFile(path), OutputDirectory = Path.GetTempPath() }; // the shipped split
        var set = LabelledSet.Load(options.DataPath);
        var (_, heldOut) = set.Split(options.HoldOutFraction, options.Seed);
        using var classifier = OnnxClassifier.Load(BenchData.ShippedModel);
        var seeds = int.TryParse(Environment.GetEnvironmentVariable("SIEM_WEEK_SEEDS"), out var n) ? n : 5;
        var window = (long)TimeSpan.FromMinutes(10).TotalMilliseconds;
        var rules = new (string Name, RiskSettings Settings)[]
        {
            ("every alert opens (before)", new RiskSettings(window, OpenThreshold: 0, SingleAlertThreshold: 0)),
            ("risk-based (shipped)", new RiskSettings(window)),
        };
        Console.WriteLine($"loaded {set.Records.Count:N0} records, {heldOut.Count:N0} held out [{clock.Elapsed.TotalSeconds:F1}s]");
        var scores = rules.ToDictionary(r => r.Name, _ => new List<WeekScore>());
        for (var seed = 1; seed <= seeds; seed++)
        {
            var week = RealisticWeek.Build(heldOut, set.Records, new WeekShape(Seed: seed));
            foreach (var (name, settings) in rules)
            {
                var score = IncidentSimulation.Score(week, IncidentSimulation.Run(week.Records, classifier, settings));
                scores[name].Add(score);
                if (Environment.GetEnvironmentVariable("SIEM_WEEK_DEBUG") is "1" && settings.OpenThreshold > 0)
                {
                    Explain(week, IncidentSimulation.Run(week.Records, classifier, settings), classifier);
                    StrayRisks(week, classifier);
                }
                Console.WriteLine($"seed {seed}, {name}: {score}");
            }
        }

        foreach (var (name, list) in scores)
        {
            Console.WriteLine($"{name} (median of {list.Count} weeks): precision {Median(list, s => s.Precision):P1}, " +
                $"loud recall {Median(list, s => s.LoudRecall):P0}, quiet recall {Median(list, s => s.QuietRecall):P0}, incidents {Median(list, s => s.Incidents):N0}");
        }

        Console.WriteLine($"targets: precision >= 90 %, loud recall >= 95 %, quiet recall >= 60 % [{clock.Elapsed.TotalSeconds:F1}s]");
        return 0;
    }

    /// <summary>How risky the stray alerts on normal traffic are: the margin the thresholds have.</summary>
    private static void StrayRisks(WeekOfTraffic week, OnnxClassifier classifier)
    {
        var normals = week.Records.Where(r => r.Label == "normal").ToList();
        var strays = classifier.Classify(normals).Zip(normals).Where(x => x.First.IsAlert)
            .Select(x => (Risk: AlertRisk.Score(x.First.Category, x.First.Unknown, x.First.Confidence, x.Second), x.First)).ToList();
        Console.WriteLine($"   stray alerts on {normals.Count:N0} normal records: {strays.Count:N0}; risk >= 10: {strays.Count(s => s.Risk >= 10)}, >= 20: {strays.Count(s => s.Risk >= 20)}, >= 30: {strays.Count(s => s.Risk >= 30)}");
        foreach (var top in strays.OrderByDescending(s => s.Risk).Take(8))
        {
            Console.WriteLine($"     {top.First.Label}/{top.First.Category.ToName()}{(top.First.Unknown ? "?" : "")} {top.First.Confidence:F2} risk {top.Risk:F0}");
        }
    }

    /// <summary>The quiet episodes no incident found, with the verdicts and risks of their connections.</summary>
    private static void Explain(WeekOfTraffic week, List<IncidentSpan> incidents, OnnxClassifier classifier)
    {
        var start = RealisticWeek.Start.ToUnixTimeMilliseconds();
        foreach (var episode in week.Episodes.Where(e => !e.Loud))
        {
            var found = incidents.Any(i => i.Host == episode.Host && i.FirstMs <= start + episode.EndMs && i.LastMs >= start + episode.StartMs);
            var records = week.Records.Where(r => r.DstIp?.ToString() == episode.Host && r.Label == episode.Label
                && r.Timestamp!.Value.ToUnixTimeMilliseconds() - start >= episode.StartMs && r.Timestamp!.Value.ToUnixTimeMilliseconds() - start <= episode.EndMs).ToList();
            var verdicts = classifier.Classify(records).Zip(records, (p, r) =>
                $"{p.Label}/{p.Category.ToName()}{(p.Unknown ? "?" : "")} {p.Confidence:F2} r={AlertRisk.Score(p.Category, p.Unknown, p.Confidence, r):F0} ev={AlertRisk.Evidence(r):F0}");
            Console.WriteLine($"   {(found ? "found" : "MISSED")} {episode.Label} x{episode.Count}: {string.Join("; ", verdicts)}");
        }
    }

    private static double Median(List<WeekScore> scores, Func<WeekScore, double> value)
    {
        var sorted = scores.Select(value).Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
