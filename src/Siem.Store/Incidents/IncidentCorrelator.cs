using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Store;
using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Store.Incidents;

/// <summary>
/// Merges alert groups into incidents: same class (or "unknown") and destination host, within a sliding
/// window of the incident's alerts. The writer groups each batch's alerts as it stores them (same
/// transaction), so this service works from a durable queue of a few rows per batch; a group is deleted
/// in the transaction that applies it, so after a restart nothing is lost or counted twice.
/// </summary>
public sealed class IncidentCorrelator(
    IServiceScopeFactory scopes,
    LiveNotifier live,
    TimeProvider time,
    IOptions<SiemOptions> options,
    ILogger<IncidentCorrelator> logger) : BackgroundService
{
    private const int ChunkSize = 2000;

    /// <summary>Rounds are at least this far apart, so a running ingest gets few, larger correlation transactions.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>New alerts were committed: correlate soon.</summary>
    public void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // already signalled
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
            await Task.Delay(Pace, time, stoppingToken);
            try
            {
                while (await CorrelateChunkAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Incident correlation failed; retrying");
            }
        }
    }

    /// <summary>True when every committed alert has been merged into an incident.</summary>
    public async Task<bool> IsCaughtUpAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return !await scope.ServiceProvider.GetRequiredService<SiemDbContext>().PendingAlertGroups.AnyAsync(cancellationToken);
    }

    /// <summary>Merges up to one chunk of pending alert groups; returns how many it handled.</summary>
    internal async Task<int> CorrelateChunkAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
        var groups = await db.PendingAlertGroups.OrderBy(g => g.Id).Take(ChunkSize).ToListAsync(cancellationToken);
        if (groups.Count == 0)
        {
            return 0;
        }

        var window = (long)options.Value.Incidents.Window.TotalMilliseconds;
        var from = groups.Min(g => g.FirstMs) - window;
        var to = groups.Max(g => g.LastMs) + window;
        var active = await db.Incidents
            .Where(i => (i.Status == IncidentStatus.Open || i.Status == IncidentStatus.Acknowledged) && i.LastSeenMs >= from && i.FirstSeenMs <= to)
            .ToListAsync(cancellationToken);
        var byKey = active.GroupBy(i => (i.Label, i.DstHost)).ToDictionary(g => g.Key, g => g.ToList());

        var now = time.GetUtcNow().UtcDateTime;
        var touched = new HashSet<Incident>();
        var created = new List<(Incident Incident, long JobId)>();
        foreach (var group in groups.OrderBy(g => g.FirstMs))
        {
            if (!byKey.TryGetValue((group.Label, group.DstHost), out var candidates))
            {
                byKey[(group.Label, group.DstHost)] = candidates = [];
            }

            var segment = new AlertSegment(group.Label, group.DstHost, group.Category, group.Unknown, group.FirstMs, group.LastMs, group.Count);
            var incident = candidates.FirstOrDefault(i => segment.Touches(i.FirstSeenMs, i.LastSeenMs, window));
            if (incident is null)
            {
                incident = NewIncident(segment, now);
                db.Incidents.Add(incident);
                candidates.Add(incident);
                created.Add((incident, group.JobId));
            }

            incident.AlertCount += group.Count;
            incident.FirstSeenMs = Math.Min(incident.FirstSeenMs, group.FirstMs);
            incident.LastSeenMs = Math.Max(incident.LastSeenMs, group.LastMs);
            incident.UpdatedUtc = now;
            touched.Add(incident);
        }

        db.PendingAlertGroups.RemoveRange(groups);
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

    private static Incident NewIncident(AlertSegment segment, DateTime now)
    {
        var category = KddCategoryNames.TryParse(segment.Category, out var parsed) ? parsed : KddCategory.Normal;
        return new Incident
        {
            Label = segment.GroupLabel,
            Category = segment.Category,
            DstHost = segment.Host,
            Severity = IncidentRules.SeverityOf(category, segment.Unknown),
            MitreTechnique = segment.Unknown ? null : KddLabels.Find(segment.GroupLabel)?.Technique?.Id,
            FirstSeenMs = segment.FirstMs,
            LastSeenMs = segment.LastMs,
            Status = IncidentStatus.Open,
            CreatedUtc = now,
            UpdatedUtc = now,
        };
    }
}
