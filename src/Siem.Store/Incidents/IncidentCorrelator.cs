using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Store;
using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Store.Incidents;

/// <summary>
/// Risk-based incidents per destination host (<see cref="RiskEngine"/>): alert groups join the host's open
/// incident while they come within the window of it; otherwise they are held, and the host's held risk opens
/// an incident when it crosses the threshold (or one alert is risky enough on its own). Held groups that the
/// window passes expire: their alerts stay stored and searchable, they just never became an incident. The
/// writer groups each batch's alerts with their risk as it stores them (same transaction), so this service
/// works from a durable queue of a few rows per batch; a group is updated or deleted in the transaction that
/// applies it, so after a restart nothing is lost or counted twice.
/// </summary>
public sealed class IncidentCorrelator(
    IServiceScopeFactory scopes,
    LiveNotifier live,
    StoreLeases leases,
    TimeProvider time,
    IOptions<SiemOptions> options,
    ILogger<IncidentCorrelator> logger) : BackgroundService
{
    private const int ChunkSize = 2000;

    /// <summary>Rounds are at least this far apart, so a running ingest gets few, larger correlation transactions.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(250);

    private readonly WakeSignal _signal = new();

    /// <summary>New alerts were committed: correlate soon.</summary>
    public void Signal() => _signal.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
            await Task.Delay(Pace, time, stoppingToken);
            try
            {
                // One correlator per store: two reading the same pending groups would open the same incident twice.
                while (await leases.HoldAsync(StoreLeases.Correlation, stoppingToken) && await CorrelateChunkAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Incident correlation failed; retrying");
            }
        }
    }

    /// <summary>True when every committed alert has been correlated (joined, opened or held).</summary>
    public async Task<bool> IsCaughtUpAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return !await scope.ServiceProvider.GetRequiredService<SiemDbContext>().PendingAlertGroups.AnyAsync(g => !g.Held, cancellationToken);
    }

    /// <summary>Correlates up to one chunk of new alert groups; returns how many it handled.</summary>
    internal async Task<int> CorrelateChunkAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
        var groups = await db.PendingAlertGroups.Where(g => !g.Held).OrderBy(g => g.Id).Take(ChunkSize).ToListAsync(cancellationToken);
        if (groups.Count == 0)
        {
            return 0;
        }

        var settings = options.Value.Incidents.Risk;
        var state = await LoadHostsAsync(db, groups, settings.WindowMs, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var touched = new HashSet<Incident>();
        var created = new List<(Incident Incident, long JobId)>();
        foreach (var group in groups.OrderBy(g => g.FirstMs))
        {
            var host = state.Host(group.DstHost);
            var segment = state.Segment(group);
            var held = host.Risk.Held.ToList();
            switch (RiskEngine.Add(host.Risk, segment, settings))
            {
                case RiskOutcome.Joined:
                    Grow(host.Incident!, segment, now);
                    touched.Add(host.Incident!);
                    db.PendingAlertGroups.Remove(group);
                    break;
                case RiskOutcome.Opened:
                    host.Incident = NewIncident(host.Risk.Active!, group.DstHost, now);
                    db.Incidents.Add(host.Incident);
                    touched.Add(host.Incident);
                    created.Add((host.Incident, group.JobId));
                    db.PendingAlertGroups.Remove(group);
                    db.PendingAlertGroups.RemoveRange(held.Select(state.GroupOf)); // the held alerts that made it
                    break;
                default:
                    group.Held = true;
                    db.PendingAlertGroups.RemoveRange(held.Except<AlertSegment>(host.Risk.Held, ReferenceEqualityComparer.Instance).Select(state.GroupOf)); // expired
                    break;
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var job in created.GroupBy(c => c.JobId))
        {
            var count = job.Count();
            await db.Jobs.Where(j => j.Id == job.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.IncidentsCreated, j => j.IncidentsCreated + count), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        var createdIncidents = created.Select(c => c.Incident).ToHashSet();
        foreach (var incident in touched)
        {
            live.PublishIncident(IncidentViews.Change(incident, createdIncidents.Contains(incident)));
        }

        return groups.Count;
    }

    /// <summary>The hosts of <paramref name="groups"/>: their held groups and their latest open incident in reach of the window.</summary>
    private static async Task<CorrelationState> LoadHostsAsync(SiemDbContext db, List<PendingAlertGroup> groups, long windowMs, CancellationToken cancellationToken)
    {
        var hosts = groups.Select(g => g.DstHost).Distinct().ToList();
        var withoutHost = hosts.Contains(null);
        var named = hosts.OfType<string>().ToList();
        var from = groups.Min(g => g.FirstMs) - windowMs;
        var held = await db.PendingAlertGroups.Where(g => g.Held && (named.Contains(g.DstHost!) || (withoutHost && g.DstHost == null)))
            .OrderBy(g => g.FirstMs).ToListAsync(cancellationToken);
        var active = await db.Incidents
            .Where(i => (i.Status == IncidentStatus.Open || i.Status == IncidentStatus.Acknowledged) && i.LastSeenMs >= from
                        && (named.Contains(i.DstHost!) || (withoutHost && i.DstHost == null)))
            .ToListAsync(cancellationToken);
        var state = new CorrelationState();
        foreach (var group in held)
        {
            state.Host(group.DstHost).Risk.Held.Add(state.Segment(group));
        }

        foreach (var incident in active.OrderBy(i => i.LastSeenMs))
        {
            var host = state.Host(incident.DstHost);
            host.Incident = incident;
            host.Risk.Active = new RiskIncident { FirstMs = incident.FirstSeenMs, LastMs = incident.LastSeenMs, Count = incident.AlertCount, Risk = incident.Risk };
        }

        return state;
    }

    private static void Grow(Incident incident, AlertSegment segment, DateTime now)
    {
        incident.AlertCount += segment.Count;
        incident.Risk += segment.Risk;
        incident.FirstSeenMs = Math.Min(incident.FirstSeenMs, segment.FirstMs);
        incident.LastSeenMs = Math.Max(incident.LastSeenMs, segment.LastMs);
        incident.UpdatedUtc = now;
    }

    /// <summary>The hosts one chunk touches, and which stored group each segment stands for.</summary>
    private sealed class CorrelationState
    {
        private readonly Dictionary<string, HostState> _hosts = new(StringComparer.Ordinal);
        private readonly Dictionary<AlertSegment, PendingAlertGroup> _groups = new(ReferenceEqualityComparer.Instance);

        public HostState Host(string? name)
        {
            if (!_hosts.TryGetValue(name ?? "", out var host))
            {
                _hosts[name ?? ""] = host = new HostState();
            }

            return host;
        }

        public AlertSegment Segment(PendingAlertGroup group)
        {
            var segment = new AlertSegment(group.Label, group.DstHost, group.Category, group.Unknown, group.FirstMs, group.LastMs, group.Count, group.Risk, group.MaxRisk);
            _groups[segment] = group;
            return segment;
        }

        public PendingAlertGroup GroupOf(AlertSegment segment) => _groups[segment];
    }

    private sealed class HostState
    {
        public HostRisk Risk { get; } = new();

        public Incident? Incident { get; set; }
    }

    private static Incident NewIncident(RiskIncident opened, string? host, DateTime now)
    {
        var label = opened.DominantLabel;
        var categoryName = opened.Labels[label].Category;
        var category = KddCategoryNames.TryParse(categoryName, out var parsed) ? parsed : KddCategory.Normal;
        var unknown = label == IncidentRules.UnknownLabel;
        return new Incident
        {
            Label = label,
            Category = categoryName,
            DstHost = host,
            Severity = IncidentRules.SeverityOf(category, unknown),
            MitreTechnique = unknown ? null : KddLabels.Find(label)?.Technique?.Id,
            FirstSeenMs = opened.FirstMs,
            LastSeenMs = opened.LastMs,
            AlertCount = opened.Count,
            Risk = opened.Risk,
            OpenReason = opened.Reason,
            Status = IncidentStatus.Open,
            CreatedUtc = now,
            UpdatedUtc = now,
        };
    }
}
