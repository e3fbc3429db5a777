using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Store.Persistence;

namespace Siem.Store.Retention;

public sealed record RetentionPolicyView(bool Enabled, int? EventDays, int? RollupDays, int? IncidentDays, int? AuditDays, double? MaxStoreGb, TimeSpan Interval);

/// <summary>The store at a glance for the Admin page and <c>/api/admin/storage</c>.</summary>
public sealed record StorageView(long FileBytes, long WalBytes, long UsedBytes, long FreeBytes, bool GivesSpaceBack, long Events, DateTimeOffset? OldestEvent,
    DateTimeOffset? NewestEvent, DateTimeOffset? OldestRollup, long Incidents, long AuditEntries, RetentionPolicyView Policy, SweepResult? LastSweep, bool Sweeping,
    StoreProvider Provider);

/// <summary>Database size, what it holds and since when, the retention policy and its last sweep; "sweep now".</summary>
public sealed class StorageService(IDbContextFactory<SiemDbContext> databases, StoreBackend store, RetentionSweeper sweeper, IOptions<SiemOptions> options)
{
    public RetentionPolicyView Policy
    {
        get
        {
            var p = options.Value.Retention;
            return new RetentionPolicyView(p.Enabled, p.EventDays, p.RollupDays, p.IncidentDays, p.AuditDays, p.MaxStoreGb, p.Interval);
        }
    }

    public async Task<StorageView> GetAsync(CancellationToken cancellationToken = default)
    {
        var figures = await store.ReadFiguresAsync(cancellationToken);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        // The time_ms index makes min, max and count cheap (count reads the index: ~0.1 s per million events).
        var oldest = await db.Events.MinAsync(e => (long?)e.TimeMs, cancellationToken);
        var newest = await db.Events.MaxAsync(e => (long?)e.TimeMs, cancellationToken);
        var events = await db.Events.LongCountAsync(cancellationToken);
        var oldestMinute = await db.Rollups.MinAsync(r => (long?)r.Minute, cancellationToken);
        return new StorageView(figures.FileBytes, figures.WalBytes, figures.UsedBytes, figures.FreeBytes, figures.GivesSpaceBack, events,
            oldest is { } o ? DateTimeOffset.FromUnixTimeMilliseconds(o) : null, newest is { } n ? DateTimeOffset.FromUnixTimeMilliseconds(n) : null,
            oldestMinute is { } m ? DateTimeOffset.FromUnixTimeSeconds(m * 60) : null,
            await db.Incidents.LongCountAsync(cancellationToken), await db.Audit.LongCountAsync(cancellationToken), Policy, sweeper.LastSweep, sweeper.Sweeping, store.Provider);
    }

    /// <summary>Sweeps now and answers what was removed; refused (null) when retention is off.</summary>
    public async Task<SweepResult?> SweepNowAsync(CancellationToken cancellationToken = default) =>
        options.Value.Retention.Enabled ? await sweeper.SweepAsync(cancellationToken) : null;
}
