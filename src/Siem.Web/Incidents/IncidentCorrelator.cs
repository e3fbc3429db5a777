using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Web.Hosting;
using Siem.Web.Live;
using Siem.Web.Persistence;

namespace Siem.Web.Incidents;

/// <summary>
/// Groups alerts into incidents: same class (or "unknown") and destination host, within a sliding window
/// of the incident's last alert. It reads alerts from the database in id order after a persisted cursor
/// that moves in the same transaction as the incidents, so after a restart it carries on where it
/// stopped, and no alert is counted twice. (Events are not updated: an incident's events are those of
/// its label and host in its time range.)
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
        var state = await db.CorrelatorState.FirstOrDefaultAsync(cancellationToken);
        if (state is null)
        {
            state = new CorrelatorState();
            db.CorrelatorState.Add(state);
        }

        var cursor = state.LastEventId;
        var (alerts, scannedTo) = await ReadAlertsAsync(db, cursor, cancellationToken);
        if (scannedTo == cursor)
        {
            return 0;
        }

        state.LastEventId = scannedTo;
        if (alerts.Count == 0)
        {
            await db.SaveChangesAsync(cancellationToken);
            return 1;
        }

        var window = (long)options.Value.Incidents.Window.TotalMilliseconds;
        var from = alerts.Min(a => a.TimeMs) - window;
        var to = alerts.Max(a => a.TimeMs) + window;
        var active = await db.Incidents
            .Where(i => (i.Status == IncidentStatus.Open || i.Status == IncidentStatus.Acknowledged) && i.LastSeenMs >= from && i.FirstSeenMs <= to)
            .ToListAsync(cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        var touched = new HashSet<Incident>();
        var created = new List<(Incident Incident, long JobId)>();
        var byKey = active.GroupBy(i => (i.Label, i.DstHost)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var alert in alerts)
        {
            var label = IncidentRules.GroupLabel(alert.Label, alert.Unknown);
            var host = alert.DstIp;
            if (!byKey.TryGetValue((label, host), out var candidates))
            {
                byKey[(label, host)] = candidates = [];
            }

            var incident = candidates.FirstOrDefault(i => alert.TimeMs >= i.FirstSeenMs - window && alert.TimeMs <= i.LastSeenMs + window);
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
                candidates.Add(incident);
                created.Add((incident, alert.JobId));
            }

            incident.AlertCount++;
            incident.FirstSeenMs = Math.Min(incident.FirstSeenMs, alert.TimeMs);
            incident.LastSeenMs = Math.Max(incident.LastSeenMs, alert.TimeMs);
            incident.UpdatedUtc = now;
            touched.Add(incident);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var group in created.GroupBy(c => c.JobId))
        {
            var count = group.Count();
            await db.Jobs.Where(j => j.Id == group.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.IncidentsCreated, j => j.IncidentsCreated + count), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        var createdIds = created.Select(c => c.Incident.Id).ToHashSet();
        foreach (var incident in touched)
        {
            live.PublishIncident(IncidentViews.Change(incident, createdIds.Contains(incident.Id)));
        }

        return alerts.Count;
    }

    /// <summary>
    /// The next alerts after <paramref name="cursor"/> (plain ADO.NET: this reads up to a chunk of rows each
    /// round and EF materialisation would cost more than the grouping), and how far the scan got.
    /// </summary>
    private static async Task<(List<PendingAlert> Alerts, long ScannedTo)> ReadAlertsAsync(SiemDbContext db, long cursor, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        // Committed ids only grow (one writer at a time, AUTOINCREMENT): read the bound first, then the
        // alerts up to it, so a commit landing in between is picked up next round, not skipped.
        await using var last = connection.CreateCommand();
        last.CommandText = $"SELECT COALESCE(MAX(id), 0) FROM {EventTable.Name}";
        var upTo = Math.Min(cursor + ChunkSize, (long)(await last.ExecuteScalarAsync(cancellationToken))!);
        if (upTo <= cursor)
        {
            return ([], cursor);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, job_id, time_ms, label, category, unknown, dst_ip FROM {EventTable.Name} WHERE id > $from AND id <= $to AND is_alert ORDER BY id";
        var fromParameter = command.CreateParameter();
        fromParameter.ParameterName = "$from";
        fromParameter.Value = cursor;
        var toParameter = command.CreateParameter();
        toParameter.ParameterName = "$to";
        toParameter.Value = upTo;
        command.Parameters.Add(fromParameter);
        command.Parameters.Add(toParameter);

        var alerts = new List<PendingAlert>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                alerts.Add(new PendingAlert(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3),
                    reader.GetString(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }

        return (alerts, upTo);
    }

    private sealed record PendingAlert(long Id, long JobId, long TimeMs, string Label, string Category, bool Unknown, string? DstIp);

    /// <summary>True when every committed event has been through correlation.</summary>
    public async Task<bool> IsCaughtUpAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SiemDbContext>();
        var last = await db.Events.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
        var cursor = await db.CorrelatorState.Select(c => (long?)c.LastEventId).FirstOrDefaultAsync(cancellationToken) ?? 0;
        return cursor >= last;
    }
}
