using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Web.Hosting;
using Siem.Web.Live;
using Siem.Web.Persistence;

namespace Siem.Web.Incidents;

/// <summary>
/// Groups alerts into incidents: same class (or "unknown") and destination host, within a sliding window
/// of the incident's last alert. It works from the database (alerts whose incident is not yet set, in
/// id order), so it is durable: after a restart it carries on where it stopped.
/// </summary>
public sealed class IncidentCorrelator(
    IServiceScopeFactory scopes,
    LiveNotifier live,
    TimeProvider time,
    IOptions<SiemOptions> options,
    ILogger<IncidentCorrelator> logger) : BackgroundService
{
    private const int ChunkSize = 5000;
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

    /// <summary>Alerts still waiting for an incident (for tests and health).</summary>
    public long Pending { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken);
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

    /// <summary>Correlates up to one chunk of pending alerts; returns how many it handled.</summary>
    internal async Task<int> CorrelateChunkAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
        var alerts = await db.Events.AsNoTracking()
            .Where(e => e.IsAlert && e.IncidentId == null)
            .OrderBy(e => e.Id)
            .Take(ChunkSize)
            .Select(e => new PendingAlert(e.Id, e.JobId, e.TimeMs, e.Label, e.Category, e.Unknown, e.Connection.DstIp))
            .ToListAsync(cancellationToken);
        Pending = alerts.Count;
        if (alerts.Count == 0)
        {
            return 0;
        }

        var window = (long)options.Value.Incidents.Window.TotalMilliseconds;
        var from = alerts.Min(a => a.TimeMs) - window;
        var to = alerts.Max(a => a.TimeMs) + window;
        var active = await db.Incidents
            .Where(i => (i.Status == IncidentStatus.Open || i.Status == IncidentStatus.Acknowledged) && i.LastSeenMs >= from && i.FirstSeenMs <= to)
            .ToListAsync(cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        var assignments = new List<(long EventId, Incident Incident)>(alerts.Count);
        var created = new List<(Incident Incident, long JobId)>();
        foreach (var alert in alerts)
        {
            var label = IncidentRules.GroupLabel(alert.Label, alert.Unknown);
            var host = alert.DstIp?.ToString();
            var incident = active.FirstOrDefault(i => i.Label == label && i.DstHost == host
                                                      && alert.TimeMs >= i.FirstSeenMs - window && alert.TimeMs <= i.LastSeenMs + window);
            if (incident is null)
            {
                var category = KddCategoryNames.TryParse(alert.Category, out var parsed) ? parsed : KddCategory.Normal;
                incident = new Incident
                {
                    Label = label,
                    Category = alert.Category,
                    DstHost = host,
                    Severity = IncidentRules.SeverityOf(category, alert.Unknown),
                    MitreTechnique = alert.Unknown ? null : KddLabels.Find(alert.Label)?.Technique?.Id,
                    FirstSeenMs = alert.TimeMs,
                    LastSeenMs = alert.TimeMs,
                    Status = IncidentStatus.Open,
                    CreatedUtc = now,
                    UpdatedUtc = now,
                };
                db.Incidents.Add(incident);
                active.Add(incident);
                created.Add((incident, alert.JobId));
            }

            incident.AlertCount++;
            incident.FirstSeenMs = Math.Min(incident.FirstSeenMs, alert.TimeMs);
            incident.LastSeenMs = Math.Max(incident.LastSeenMs, alert.TimeMs);
            incident.UpdatedUtc = now;
            assignments.Add((alert.Id, incident));
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await AssignAsync(db, assignments, cancellationToken);
        foreach (var group in created.GroupBy(c => c.JobId))
        {
            var count = group.Count();
            await db.Jobs.Where(j => j.Id == group.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.IncidentsCreated, j => j.IncidentsCreated + count), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        var createdIds = created.Select(c => c.Incident.Id).ToHashSet();
        foreach (var incident in assignments.Select(a => a.Incident).Distinct())
        {
            live.PublishIncident(IncidentViews.Change(incident, createdIds.Contains(incident.Id)));
        }

        return alerts.Count;
    }

    private static async Task AssignAsync(SiemDbContext db, List<(long EventId, Incident Incident)> assignments, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = $"UPDATE {EventTable.Name} SET incident_id = $incident WHERE id = $id";
        var incidentParameter = command.CreateParameter();
        incidentParameter.ParameterName = "$incident";
        var idParameter = command.CreateParameter();
        idParameter.ParameterName = "$id";
        command.Parameters.Add(incidentParameter);
        command.Parameters.Add(idParameter);
        foreach (var (eventId, incident) in assignments)
        {
            incidentParameter.Value = incident.Id;
            idParameter.Value = eventId;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private sealed record PendingAlert(long Id, long JobId, long TimeMs, string Label, string Category, bool Unknown, System.Net.IPAddress? DstIp);
}
