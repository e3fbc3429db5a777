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
public sealed class IncidentService(IDbContextFactory<SiemDbContext> databases, LiveNotifier live, TimeProvider time)
{
    /// <summary>A note is text an analyst writes, not a file: longer ones are refused.</summary>
    public const int MaxNoteLength = 10_000;

    /// <summary>A bulk action names at most this many incidents (more: act on the filter instead).</summary>
    public const int MaxBulkIds = 10_000;

    private static void CheckNote(string? note)
    {
        if (note is { Length: > MaxNoteLength })
        {
            throw new InvalidInputException($"A note is at most {MaxNoteLength:N0} characters; this one has {note.Length:N0}.");
        }
    }

    public async Task<IncidentActionResult> ChangeStatusAsync(long id, IncidentStatus to, string actor, IncidentResolution? resolution, string? note, CancellationToken cancellationToken = default)
    {
        CheckNote(note);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
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
        Audit(db, id, actor, now, $"{from} -> {to}", string.IsNullOrWhiteSpace(note) ? null : note.Trim(), resolution?.ToString());
        await SiteLearning.SiteLearningService.FollowResolutionAsync(db, incident, actor, now, cancellationToken);
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
        CheckNote(note);
        if (ids is { Count: > MaxBulkIds })
        {
            throw new InvalidInputException($"A bulk action names at most {MaxBulkIds:N0} incidents ({ids.Count:N0} given); act on a filter instead.");
        }

        if (IncidentRules.NeedsResolution(to) && resolution is null)
        {
            throw new InvalidInputException($"Choosing {to} needs a reason: TruePositive, FalsePositive or Benign.");
        }

        List<long> targets;
        await using (var db = await databases.CreateDbContextAsync(cancellationToken))
        {
            targets = ids is { Count: > 0 }
                ? await db.Incidents.Where(i => ids.Contains(i.Id)).Select(i => i.Id).ToListAsync(cancellationToken)
                : await (filter ?? new IncidentFilter()).Apply(db.Incidents).Select(i => i.Id).ToListAsync(cancellationToken);
        }

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
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.FindAsync([id], cancellationToken);
        if (incident is null)
        {
            return new IncidentActionResult.NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var previous = incident.Assignee;
        incident.Assignee = string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim();
        incident.UpdatedUtc = now;
        Audit(db, id, actor, now, "Assigned", $"{previous ?? "nobody"} -> {incident.Assignee ?? "nobody"}");
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

        CheckNote(text);

        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var incident = await db.Incidents.FindAsync([id], cancellationToken);
        if (incident is null)
        {
            return new IncidentActionResult.NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        AddNote(incident, actor, text, now);
        incident.UpdatedUtc = now;
        Audit(db, id, actor, now, "Noted", text.Trim());
        await db.SaveChangesAsync(cancellationToken);
        return new IncidentActionResult.Done(IncidentViews.Summary(incident));
    }

    /// <summary>One entry of the incident's audit trail: who, when, what, why.</summary>
    private static void Audit(SiemDbContext db, long id, string actor, DateTime now, string action, string? details, string? reason = null) =>
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
