using Microsoft.EntityFrameworkCore;
using Siem.Domain.Labels;
using Siem.Store.Persistence;

namespace Siem.Store.Stats;

public sealed record Count(string Name, long Value);

/// <summary>What was attacked in a time range: by label and category (from the rollups), by service, protocol, flag and host (from the per-minute alert rollups), by ATT&amp;CK technique.</summary>
public sealed record AttackBreakdownData(
    IReadOnlyList<Count> ByLabel, IReadOnlyList<Count> ByCategory, IReadOnlyList<Count> Services, IReadOnlyList<Count> Protocols,
    IReadOnlyList<Count> Flags, IReadOnlyList<Count> Hosts, IReadOnlyList<Count> Techniques, long Alerts);

public static class AttackBreakdown
{
    private const int Top = 10;

    public static async Task<AttackBreakdownData> LoadAsync(SiemDbContext db, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var range = RollupRange.Of(from, to);
        var rollups = range.Apply(db.Rollups.AsNoTracking());
        var alerts = range.Apply(db.AlertRollups.AsNoTracking());

        var labels = await rollups.GroupBy(r => new { r.Label, r.Category })
            .Select(g => new { g.Key.Label, g.Key.Category, Count = g.Sum(r => r.Count), Alerts = g.Sum(r => r.Alerts) })
            .ToListAsync(cancellationToken);
        var byLabel = labels.Where(l => l.Category != "normal").OrderByDescending(l => l.Count).Select(l => new Count(l.Label, l.Count)).ToList();
        var byCategory = labels.GroupBy(l => l.Category).Select(g => new Count(g.Key, g.Sum(l => l.Count))).OrderByDescending(c => c.Value).ToList();
        var techniques = labels.Where(l => l.Category != "normal")
            .Select(l => (Technique: KddLabels.Find(l.Label)?.Technique, l.Count))
            .Where(x => x.Technique is not null)
            .GroupBy(x => $"{x.Technique!.Id} {x.Technique.Name}")
            .Select(g => new Count(g.Key, g.Sum(x => x.Count))).OrderByDescending(c => c.Value).ToList();

        var byDimension = (await alerts.GroupBy(r => new { r.Dimension, r.Value })
                .Select(g => new { g.Key.Dimension, g.Key.Value, Count = g.Sum(r => r.Count) })
                .ToListAsync(cancellationToken))
            .ToLookup(x => x.Dimension, x => new Count(x.Value, x.Count));
        List<Count> TopOf(string dimension) => [.. byDimension[dimension].OrderByDescending(c => c.Value).ThenBy(c => c.Name, StringComparer.Ordinal).Take(Top)];
        var (services, protocols, flags, hosts) = (TopOf(AlertRollupMinute.Service), TopOf(AlertRollupMinute.Protocol), TopOf(AlertRollupMinute.Flag), TopOf(AlertRollupMinute.Host));
        return new AttackBreakdownData(byLabel, byCategory, services, protocols, flags, hosts, techniques, labels.Sum(l => l.Alerts));
    }
}
