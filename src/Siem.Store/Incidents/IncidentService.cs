using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Store.Incidents;

/// <summary>The outcome of an action on an incident.</summary>
public abstract record IncidentActionResult
{
    public sealed record Done(IncidentSummary Incident) : IncidentActionResult;
    public sealed record NotFound : IncidentActionResult;
    public sealed record Invalid(string Reason) : IncidentActionResult;
}

/// <summary>
/// Every change to an incident goes through here, and each writes its audit entry (who, when, what, why)
/// in the same save as the change itself.
/// </summary>
public sealed class IncidentService(SiemDbContext db, LiveNotifier live, TimeProvider time)
{
    public async Task<IncidentActionResult> ChangeStatusAsync(long id, IncidentStatus to, string actor, IncidentResolution? resolution, string? note, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.FindAsync([id], cancellationToken);
        if (incident is null)
        {
            return new IncidentActionResult.NotFound();
        }

        if (!IncidentRules.CanMove(incident.Status, to))
        {
            return new IncidentActionResult.Invalid($"An incident that is {incident.Status} cannot become {to}.");
        }

        if (IncidentRules.NeedsResolution(to) && resolution is null)
        {
            return new IncidentActionResult.Invalid($"Choosing {to} needs a reason: TruePositive, FalsePositive or Benign.");
        }

        var from = incident.Status;
        var now = time.GetUtcNow().UtcDateTime;
        incident.Status = to;
        incident.Resolution = IncidentRules.NeedsResolution(to) ? resolution : null;
        incident.UpdatedUtc = now;
        AddNote(incident, actor, note, now);
        Audit(id, actor, now, $"{from} -> {to}", string.IsNullOrWhiteSpace(note) ? null : note.Trim(), resolution?.ToString());
        await db.SaveChangesAsync(cancellationToken);
        live.PublishIncident(IncidentViews.Change(incident, created: false));
        return new IncidentActionResult.Done(IncidentViews.Summary(incident));
    }

    /// <summary>
    /// Moves every incident in <paramref name="ids"/>, or every one matching <paramref name="filter"/> when no ids
    /// are given, each with its own audit entry; incidents that cannot make the move are skipped, not failed.
    /// </summary>
    public async Task<BulkResult> ChangeStatusManyAsync(IReadOnlyCollection<long>? ids, IncidentFilter? filter, IncidentStatus to, string actor,
        IncidentResolution? resolution, string? note, CancellationToken cancellationToken = default)
    {
        var targets = ids is { Count: > 0 }
            ? await db.Incidents.Where(i => ids.Contains(i.Id)).Select(i => i.Id).ToListAsync(cancellationToken)
            : await (filter ?? new IncidentFilter()).Apply(db.Incidents).Select(i => i.Id).ToListAsync(cancellationToken);
        var (changed, skipped) = (0, 0);
        foreach (var id in targets)
        {
            if (await ChangeStatusAsync(id, to, actor, resolution, note, cancellationToken) is IncidentActionResult.Done)
            {
                changed++;
            }
            else
            {
                skipped++;
            }
        }

        return new BulkResult(changed, skipped);
    }

    public async Task<IncidentActionResult> AssignAsync(long id, string? assignee, string actor, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.FindAsync([id], cancellationToken);
        if (incident is null)
        {
            return new IncidentActionResult.NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var previous = incident.Assignee;
        incident.Assignee = string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim();
        incident.UpdatedUtc = now;
        Audit(id, actor, now, "Assigned", $"{previous ?? "nobody"} -> {incident.Assignee ?? "nobody"}");
        await db.SaveChangesAsync(cancellationToken);
        live.PublishIncident(IncidentViews.Change(incident, created: false));
        return new IncidentActionResult.Done(IncidentViews.Summary(incident));
    }

    /// <summary>A note on its own, without a change of status (what was checked, what was found).</summary>
    public async Task<IncidentActionResult> AddNoteAsync(long id, string actor, string? text, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new IncidentActionResult.Invalid("A note needs some text.");
        }

        var incident = await db.Incidents.FindAsync([id], cancellationToken);
        if (incident is null)
        {
            return new IncidentActionResult.NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        AddNote(incident, actor, text, now);
        incident.UpdatedUtc = now;
        Audit(id, actor, now, "Noted", text.Trim());
        await db.SaveChangesAsync(cancellationToken);
        return new IncidentActionResult.Done(IncidentViews.Summary(incident));
    }

    public async Task<IncidentDetail?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
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
            incident.Notes.OrderBy(n => n.AtUtc).Select(n => new IncidentNoteView(n.Author, n.AtUtc, n.Text)).ToList(),
            audit);
    }

    /// <summary>One entry of the incident's audit trail: who, when, what, why.</summary>
    private void Audit(long id, string actor, DateTime now, string action, string? details, string? reason = null) =>
        db.Audit.Add(new AuditEntry
        {
            AtUtc = now,
            Actor = actor,
            Action = action,
            EntityType = nameof(Incident),
            EntityId = id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Reason = reason,
            Details = details,
        });

    private static void AddNote(Incident incident, string actor, string? note, DateTime now)
    {
        if (!string.IsNullOrWhiteSpace(note))
        {
            incident.Notes.Add(new IncidentNote { Author = actor, AtUtc = now, Text = note.Trim() });
        }
    }
}
