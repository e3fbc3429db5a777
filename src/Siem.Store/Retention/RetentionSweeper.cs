using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Domain.Incidents;
using Siem.Store.Persistence;

namespace Siem.Store.Retention;

/// <summary>What one sweep removed.</summary>
public sealed record SweepResult(DateTime StartedUtc, double Seconds, long Events, long EventsForSize, long RollupRows, long Incidents, long AuditEntries,
    long ReclaimedBytes, string? Error)
{
    public string Describe() => Error is not null
        ? $"failed: {Error}"
        : $"{Events:N0} events past the age limit, {EventsForSize:N0} more for the size cap, {RollupRows:N0} rollup rows, {Incidents:N0} incidents, "
          + $"{AuditEntries:N0} audit entries; {ReclaimedBytes / 1048576.0:N1} MB given back, in {Seconds:N1} s";
}

/// <summary>
/// Applies <see cref="RetentionOptions"/> in the background: deletes events past their age (and the oldest beyond the
/// size cap), rollups, closed incidents and audit entries past theirs, in transactions of
/// <see cref="RetentionOptions.BatchSize"/> rows with a pause between them, so the ingest writer (SQLite has one
/// writer at a time) waits at most one small batch. Then it gives free pages back to the file system. Each sweep is
/// logged; the last one is shown on the Admin page.
/// </summary>
public sealed class RetentionSweeper(
    IDbContextFactory<SiemDbContext> databases,
    StoreBackend store,
    StoreLeases leases,
    IOptions<SiemOptions> options,
    TimeProvider time,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private readonly WakeSignal _signal = new();
    private readonly SemaphoreSlim _one = new(1, 1);

    public SweepResult? LastSweep { get; private set; }

    public bool Sweeping => _one.CurrentCount == 0;

    /// <summary>Asks the background sweeper to run now (the Admin page's "Sweep now").</summary>
    public void RequestSweep() => _signal.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Retention.Enabled)
        {
            logger.LogInformation("Retention is off (Siem:Retention:Enabled=false): nothing is deleted");
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            await _signal.WaitAsync(options.Value.Retention.Interval, stoppingToken);
            try
            {
                if (await leases.HoldAsync(StoreLeases.Retention, stoppingToken))
                {
                    await SweepAsync(stoppingToken); // one sweeper per store
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not take the retention lease; the next round tries again");
            }
        }
    }

    /// <summary>One sweep (one at a time); returns what it removed.</summary>
    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken = default)
    {
        await _one.WaitAsync(cancellationToken);
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        long events = 0, forSize = 0, rollups = 0, incidents = 0, audit = 0, reclaimed = 0;
        try
        {
            var policy = options.Value.Retention;
            var nowMs = started.ToUnixTimeMilliseconds();
            if (policy.EventDays is { } eventDays)
            {
                var cut = nowMs - (long)TimeSpan.FromDays(eventDays).TotalMilliseconds;
                events = await InBatchesAsync(policy, (db, n, ct) =>
                    db.Events.Where(e => db.Events.Where(o => o.TimeMs < cut).OrderBy(o => o.TimeMs).Select(o => o.Id).Take(n).Contains(e.Id)).ExecuteDeleteAsync(ct), cancellationToken);
            }

            if (policy.MaxStoreGb is { } maxGb)
            {
                forSize = await TrimToSizeAsync(policy, (long)(maxGb * 1024 * 1024 * 1024), cancellationToken);
            }

            if (policy.RollupDays is { } rollupDays)
            {
                var cutMinute = (nowMs - (long)TimeSpan.FromDays(rollupDays).TotalMilliseconds) / 60_000;
                rollups = await InBatchesAsync(policy, async (db, n, ct) =>
                {
                    // A day of minutes per transaction, oldest first.
                    var oldest = await db.Rollups.Where(r => r.Minute < cutMinute).MinAsync(r => (long?)r.Minute, ct);
                    var oldestAlert = await db.AlertRollups.Where(r => r.Minute < cutMinute).MinAsync(r => (long?)r.Minute, ct);
                    if ((oldest ?? oldestAlert) is null)
                    {
                        return 0;
                    }

                    var until = Math.Min(cutMinute, Math.Min(oldest ?? long.MaxValue, oldestAlert ?? long.MaxValue) + 1440);
                    return await db.Rollups.Where(r => r.Minute < until).ExecuteDeleteAsync(ct) + await db.AlertRollups.Where(r => r.Minute < until).ExecuteDeleteAsync(ct);
                }, cancellationToken);
            }

            if (policy.IncidentDays is { } incidentDays)
            {
                var cut = nowMs - (long)TimeSpan.FromDays(incidentDays).TotalMilliseconds;
                incidents = await InBatchesAsync(policy, async (db, n, ct) =>
                {
                    var ids = await db.Incidents.Where(i => (i.Status == IncidentStatus.Resolved || i.Status == IncidentStatus.Closed) && i.LastSeenMs < cut)
                        .OrderBy(i => i.Id).Select(i => i.Id).Take(n).ToListAsync(ct);
                    await db.NotificationDeliveries.Where(d => d.IncidentId != null && ids.Contains(d.IncidentId.Value)).ExecuteDeleteAsync(ct);
                    return await db.Incidents.Where(i => ids.Contains(i.Id)).ExecuteDeleteAsync(ct); // notes go with them (cascade)
                }, cancellationToken);
            }

            if (policy.AuditDays is { } auditDays)
            {
                var cut = started.UtcDateTime - TimeSpan.FromDays(auditDays);
                audit = await InBatchesAsync(policy, (db, n, ct) =>
                    db.Audit.Where(a => db.Audit.Where(o => o.AtUtc < cut).OrderBy(o => o.Id).Select(o => o.Id).Take(n).Contains(a.Id)).ExecuteDeleteAsync(ct), cancellationToken);
            }

            var deleted = events + forSize + rollups + incidents + audit;
            if (deleted > 0 || store.Provider == StoreProvider.Sqlite) // SQLite also gives back pages an earlier sweep freed
            {
                reclaimed = await store.ReclaimSpaceAsync(policy, time, cancellationToken);
            }

            LastSweep = new SweepResult(started.UtcDateTime, clock.Elapsed.TotalSeconds, events, forSize, rollups, incidents, audit, reclaimed, null);
            if (events + forSize + rollups + incidents + audit > 0 || reclaimed > 0)
            {
                logger.LogInformation("Retention sweep removed {What}", LastSweep.Describe());
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LastSweep = new SweepResult(started.UtcDateTime, clock.Elapsed.TotalSeconds, events, forSize, rollups, incidents, audit, reclaimed, e.Message);
            logger.LogError(e, "Retention sweep failed after removing {Events} events; the next sweep goes on", events + forSize);
        }
        finally
        {
            _one.Release();
        }

        return LastSweep;
    }

    /// <summary>Runs <paramref name="deleteBatch"/> (one transaction each) until it deletes fewer than a batch; returns the total.</summary>
    private async Task<long> InBatchesAsync(RetentionOptions policy, Func<SiemDbContext, int, CancellationToken, Task<int>> deleteBatch, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            int deleted;
            await using (var db = await databases.CreateDbContextAsync(cancellationToken))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                deleted = await deleteBatch(db, policy.BatchSize, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            total += deleted;
            if (deleted == 0)
            {
                return total;
            }

            await Task.Delay(policy.BatchPause, time, cancellationToken);
        }
    }

    /// <summary>Deletes the oldest events, a batch at a time, until the database's used pages fit under <paramref name="maxBytes"/>.</summary>
    private async Task<long> TrimToSizeAsync(RetentionOptions policy, long maxBytes, CancellationToken cancellationToken)
    {
        long total = 0;
        while ((await store.ReadFiguresAsync(cancellationToken)).UsedBytes > maxBytes)
        {
            await using var db = await databases.CreateDbContextAsync(cancellationToken);
            var deleted = await db.Events.Where(e => db.Events.OrderBy(o => o.TimeMs).Select(o => o.Id).Take(policy.BatchSize).Contains(e.Id)).ExecuteDeleteAsync(cancellationToken);
            if (deleted == 0)
            {
                logger.LogWarning("The store is over Siem:Retention:MaxStoreGb with no events left to delete");
                break;
            }

            total += deleted;
            await Task.Delay(policy.BatchPause, time, cancellationToken);
        }

        return total;
    }
}

/// <summary>The store's size (the SQLite file and its WAL, or the PostgreSQL database), its used and free bytes, and whether free pages go back to the file system.</summary>
public sealed record StorageFigures(long FileBytes, long WalBytes, long UsedBytes, long FreeBytes, bool GivesSpaceBack);
