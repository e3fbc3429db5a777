using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Events;
using Siem.Store.Persistence;

namespace Siem.Store.Incidents;

/// <summary>The columns the incident list can be sorted by.</summary>
public enum IncidentSortColumn
{
    LastSeen,
    Id,
    Severity,
    Label,
    Host,
    Alerts,
    Status,
    Risk,
}

/// <summary>One page of the incident list: what matches, in which order, which page (1-based).</summary>
public sealed record IncidentListRequest(IncidentFilter Filter, IncidentSortColumn Sort = IncidentSortColumn.LastSeen, bool Descending = true, int Page = 1, int PageSize = 50)
{
    public const int MaxPageSize = 500;
}

/// <summary>A spot on the timeline where an incident opened.</summary>
public sealed record IncidentMark(long AtMs, string Label, string? Host, string Severity);

/// <summary>Every read of incidents: the list (API, Incidents page), the dashboard's active ones, a detail with its audit and activity.</summary>
public sealed class IncidentQueries(IDbContextFactory<SiemDbContext> databases)
{
    public async Task<Page<IncidentSummary>> ListAsync(IncidentListRequest request, CancellationToken cancellationToken = default)
    {
        var size = Math.Clamp(request.PageSize, 1, IncidentListRequest.MaxPageSize);
        var number = Math.Clamp(request.Page, 1, int.MaxValue / size);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var query = request.Filter.Apply(db.Incidents.AsNoTracking());
        var total = await query.LongCountAsync(cancellationToken);
        var items = await Sort(query, request.Sort, request.Descending).Skip((number - 1) * size).Take(size).ToListAsync(cancellationToken);
        return new Page<IncidentSummary>([.. items.Select(IncidentViews.Summary)], total, number, size);
    }

    /// <summary>Open and acknowledged incidents, the most severe and most recent first (the dashboard).</summary>
    public async Task<IReadOnlyList<IncidentSummary>> ActiveAsync(int count, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var active = await db.Incidents.AsNoTracking()
            .Where(i => i.Status == IncidentStatus.Open || i.Status == IncidentStatus.Acknowledged)
            .OrderByDescending(IncidentOrdering.SeverityRank).ThenByDescending(i => i.LastSeenMs).Take(count).ToListAsync(cancellationToken);
        return [.. active.Select(IncidentViews.Summary)];
    }

    /// <summary>Incidents that opened in [from, to), the most severe first (timeline markers).</summary>
    public async Task<IReadOnlyList<IncidentMark>> OpenedBetweenAsync(DateTimeOffset from, DateTimeOffset to, int count, CancellationToken cancellationToken = default)
    {
        var (fromMs, toMs) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.Incidents.AsNoTracking()
            .Where(i => i.FirstSeenMs >= fromMs && i.FirstSeenMs < toMs)
            .OrderByDescending(IncidentOrdering.SeverityRank).ThenBy(i => i.FirstSeenMs).Take(count)
            .Select(i => new IncidentMark(i.FirstSeenMs, i.Label, i.DstHost, i.Severity.ToString()))
            .ToListAsync(cancellationToken);
    }

    public async Task<IncidentDetail?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.AsNoTracking().Include(i => i.Notes).FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (incident is null)
        {
            return null;
        }

        var key = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var audit = await db.Audit.AsNoTracking()
            .Where(a => a.EntityType == nameof(Incident) && a.EntityId == key)
            .OrderBy(a => a.Id)
            .Select(a => new AuditView(a.AtUtc, a.Actor, a.Action, a.Reason, a.Details))
            .ToListAsync(cancellationToken);
        return new IncidentDetail(
            IncidentViews.Summary(incident),
            [.. incident.Notes.OrderBy(n => n.AtUtc).Select(n => new IncidentNoteView(n.Author, n.AtUtc, n.Text))],
            audit);
    }

    /// <summary>The incident's alerts over its lifetime and its first events, or null when there is no such incident.</summary>
    public async Task<IncidentActivityData?> ActivityAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        return incident is null ? null : await IncidentActivity.LoadAsync(db, IncidentViews.Summary(incident), cancellationToken);
    }

    /// <summary>
    /// An exception prefilled from an incident: its label and host, and the service, port, protocol and source host
    /// when all of its first events share them (each a condition the analyst can remove).
    /// </summary>
    public async Task<Exceptions.ExceptionInput?> ExceptionDraftAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (incident is null)
        {
            return null;
        }

        var samples = await IncidentActivity.SamplesAsync(db, IncidentViews.Summary(incident), cancellationToken); // no need for the activity buckets
        T? Shared<T>(Func<EventView, T?> value) => samples.Count > 0 && samples.Select(value).Distinct().Count() == 1 ? value(samples[0]) : default;
        return new Exceptions.ExceptionInput(incident.Label, incident.DstHost, Shared(e => e.SrcIp), Shared(e => e.Service), Shared(e => e.DstPort),
            Shared(e => e.Protocol), null, FromIncidentId: id);
    }

    /// <summary>The sort, done by the database; ties (and the default) by newest activity, then id.</summary>
    internal static IQueryable<Incident> Sort(IQueryable<Incident> incidents, IncidentSortColumn column, bool descending)
    {
        IOrderedQueryable<Incident> By<TKey>(System.Linq.Expressions.Expression<Func<Incident, TKey>> key) =>
            descending ? incidents.OrderByDescending(key) : incidents.OrderBy(key);
        var sorted = column switch
        {
            IncidentSortColumn.Id => By(i => i.Id),
            IncidentSortColumn.Severity => By(IncidentOrdering.SeverityRank),
            IncidentSortColumn.Label => By(i => i.Label),
            IncidentSortColumn.Host => By(i => i.DstHost),
            IncidentSortColumn.Alerts => By(i => i.AlertCount),
            IncidentSortColumn.Risk => By(i => i.Risk),
            IncidentSortColumn.Status => By(IncidentOrdering.StatusRank),
            _ => By(i => i.LastSeenMs),
        };
        return sorted.ThenByDescending(i => i.Id);
    }
}
