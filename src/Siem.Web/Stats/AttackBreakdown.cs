using Microsoft.EntityFrameworkCore;
using Siem.Domain.Labels;
using Siem.Web.Persistence;

namespace Siem.Web.Stats;

public sealed record Count(string Name, long Value);

/// <summary>What was attacked in a time range: by label and category (from the rollups), by service, protocol, flag and host (from the alerts), by ATT&amp;CK technique.</summary>
public sealed record AttackBreakdownData(
    IReadOnlyList<Count> ByLabel, IReadOnlyList<Count> ByCategory, IReadOnlyList<Count> Services, IReadOnlyList<Count> Protocols,
    IReadOnlyList<Count> Flags, IReadOnlyList<Count> Hosts, IReadOnlyList<Count> Techniques, long Alerts);

public static class AttackBreakdown
{
    private sealed class Group<T>
    {
        public T Key { get; init; } = default!;
        public long Count { get; init; }
    }

    private static async Task<List<Count>> TopAsync<T>(IQueryable<Group<T>> groups, CancellationToken cancellationToken) =>
        (await groups.OrderByDescending(g => g.Count).Take(Top).ToListAsync(cancellationToken))
        .Select(g => new Count(g.Key?.ToString() ?? "", g.Count)).ToList();

    private const int Top = 10;

    public static async Task<AttackBreakdownData> LoadAsync(SiemDbContext db, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        var rollups = db.Rollups.AsNoTracking();
        var alerts = db.Events.AsNoTracking().Where(e => e.IsAlert);
        if (from is { } f)
        {
            var (minute, ms) = (f.ToUnixTimeSeconds() / 60, f.ToUnixTimeMilliseconds());
            rollups = rollups.Where(r => r.Minute >= minute);
            alerts = alerts.Where(e => e.TimeMs >= ms);
        }

        if (to is { } t)
        {
            var (minute, ms) = (t.ToUnixTimeSeconds() / 60, t.ToUnixTimeMilliseconds());
            rollups = rollups.Where(r => r.Minute < minute);
            alerts = alerts.Where(e => e.TimeMs < ms);
        }

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

        var services = await TopAsync(alerts.GroupBy(e => e.Connection.Service).Select(g => new Group<string> { Key = g.Key, Count = g.LongCount() }), cancellationToken);
        var protocols = await TopAsync(alerts.GroupBy(e => e.Connection.ProtocolType).Select(g => new Group<string> { Key = g.Key, Count = g.LongCount() }), cancellationToken);
        var flags = await TopAsync(alerts.GroupBy(e => e.Connection.Flag).Select(g => new Group<string> { Key = g.Key, Count = g.LongCount() }), cancellationToken);
        var hosts = await TopAsync(alerts.Where(e => e.Connection.DstIp != null).GroupBy(e => e.Connection.DstIp).Select(g => new Group<System.Net.IPAddress?> { Key = g.Key, Count = g.LongCount() }), cancellationToken);
        return new AttackBreakdownData(byLabel, byCategory, services, protocols, flags, hosts, techniques, labels.Sum(l => l.Alerts));
    }
}
