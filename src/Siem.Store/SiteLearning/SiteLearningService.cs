using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Siem.Domain.Labels;
using Siem.Store.Events;
using Siem.Store.Incidents;
using Siem.Store.Persistence;

namespace Siem.Store.SiteLearning;

/// <summary>One entry of the site's labelled set, as listed.</summary>
public sealed record SiteFeedbackView(long Id, SiteFeedbackKind Kind, long? JobId, long? IncidentId, string Label, string AddedBy, DateTimeOffset AddedUtc, long Records, string? Note)
{
    /// <summary>For events marked in the explorer: the query and range (Unix ms) they matched.</summary>
    public string? Query { get; init; }

    public long? FromMs { get; init; }
    public long? ToMs { get; init; }
}

/// <summary>
/// The site's labelled set: uploads an analyst marks as known normal traffic (baselines) and incidents closed
/// as false positives. Kept as references to stored events and written out as KDD CSV with labels, the input
/// of <c>siem train --site</c>.
/// </summary>
public sealed class SiteLearningService(IDbContextFactory<SiemDbContext> databases, TimeProvider time)
{
    public async Task<IReadOnlyList<SiteFeedbackView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var rows = await db.SiteFeedback.AsNoTracking().OrderByDescending(f => f.Id).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    /// <summary>Marks a completed upload as known normal site traffic; refused for a job that is not completed or already marked.</summary>
    /// <returns>The new entry, or null when there is no such upload.</returns>
    public async Task<SiteFeedbackView?> AddBaselineAsync(long jobId, string actor, string? note, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == jobId, cancellationToken);
        if (job is null)
        {
            return null;
        }

        if (job.Status != JobStatus.Completed)
        {
            throw new InvalidInputException($"Upload {jobId} is {job.Status}: only a completed upload can be a baseline.");
        }

        if (await db.SiteFeedback.AnyAsync(f => f.JobId == jobId, cancellationToken))
        {
            throw new InvalidInputException($"Upload {jobId} is already a baseline.");
        }

        var records = await db.Events.LongCountAsync(e => e.JobId == jobId, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var entry = Add(db, SiteFeedbackKind.Baseline, actor, records, note?.Trim(), now, jobId: jobId);
        Audit(db, entry, actor, now, $"Marked upload {jobId} ({job.FileName}) as known normal site traffic");
        await db.SaveChangesAsync(cancellationToken);
        return View(entry);
    }

    /// <summary>Most events one explorer mark may cover: a query that broad is more likely a mistake than a baseline (mark the upload instead).</summary>
    public const long MaxMarkedEvents = 1_000_000;

    /// <summary>
    /// Marks the events matching an explorer query in a range as normal site traffic (those stored now: later matches are not
    /// added). Refused for a bad query, no matches, or more than <see cref="MaxMarkedEvents"/>.
    /// </summary>
    public async Task<SiteFeedbackView> AddEventsAsync(string? query, long? fromMs, long? toMs, string actor, string? note, CancellationToken cancellationToken = default)
    {
        var predicate = EventQuery.Parse(query);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var matches = await EventSearch.FilterAsync(db, predicate, fromMs, toMs, cancellationToken);
        var upTo = await matches.MaxAsync(e => (long?)e.Id, cancellationToken);
        if (upTo is null)
        {
            throw new InvalidInputException("No events match that query and range: nothing to mark.");
        }

        var records = await matches.Take((int)MaxMarkedEvents + 1).LongCountAsync(cancellationToken);
        if (records > MaxMarkedEvents)
        {
            throw new InvalidInputException($"More than {MaxMarkedEvents:N0} events match: narrow the query or range, or mark the upload as a baseline instead.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var entry = Add(db, SiteFeedbackKind.Events, actor, records, note?.Trim(), now);
        (entry.Query, entry.FromMs, entry.ToMs, entry.UpToEventId) = (string.IsNullOrWhiteSpace(query) ? null : query.Trim(), fromMs, toMs, upTo);
        await db.SaveChangesAsync(cancellationToken); // the entry's id for the audit
        Audit(db, entry, actor, now, $"Marked {records:N0} events matching \"{entry.Query}\" as normal site traffic");
        await db.SaveChangesAsync(cancellationToken);
        return View(entry);
    }

    public async Task<bool> RemoveAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var entry = await db.SiteFeedback.FindAsync([id], cancellationToken);
        if (entry is null)
        {
            return false;
        }

        db.SiteFeedback.Remove(entry);
        Audit(db, entry, actor, time.GetUtcNow().UtcDateTime, "Removed from the site's labelled set");
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Keeps the labelled set in step with an incident's resolution (called in the same unit of work): closed as a
    /// false positive, its events become normal site traffic; reopened or closed otherwise, they stop being so.
    /// </summary>
    internal static async Task FollowResolutionAsync(SiemDbContext db, Incident incident, string actor, DateTime now, CancellationToken cancellationToken)
    {
        var existing = await db.SiteFeedback.FirstOrDefaultAsync(f => f.IncidentId == incident.Id, cancellationToken);
        var falsePositive = incident.Resolution == Domain.Incidents.IncidentResolution.FalsePositive && Domain.Incidents.IncidentRules.NeedsResolution(incident.Status);
        if (falsePositive && existing is null)
        {
            var entry = Add(db, SiteFeedbackKind.FalsePositive, actor, incident.AlertCount, note: null, now, incidentId: incident.Id);
            Audit(db, entry, actor, now, $"Incident {incident.Id} closed as a false positive: its events are normal site traffic");
        }
        else if (!falsePositive && existing is not null)
        {
            db.SiteFeedback.Remove(existing);
            Audit(db, existing, actor, now, $"Incident {incident.Id} is no longer a false positive");
        }
    }

    /// <summary>Writes every record of the labelled set as KDD CSV (41 features and the label, no header); returns how many.</summary>
    public async Task<long> ExportAsync(Stream output, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var entries = await db.SiteFeedback.AsNoTracking().OrderBy(f => f.Id).ToListAsync(cancellationToken);
        var written = new HashSet<long>();
        await using var text = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        foreach (var entry in entries)
        {
            await foreach (var e in (await EventsOfAsync(db, entry, cancellationToken)).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                if (written.Add(e.Id))
                {
                    await text.WriteLineAsync(string.Join(',', e.Connection.FeatureTexts()) + "," + entry.Label + ".");
                }
            }
        }

        await text.FlushAsync(cancellationToken);
        return written.Count;
    }

    /// <summary>The events an entry covers, streamed (a baseline may be millions of records).</summary>
    private static async Task<IQueryable<SecurityEvent>> EventsOfAsync(SiemDbContext db, SiteFeedback entry, CancellationToken cancellationToken)
    {
        if (entry.JobId is { } jobId)
        {
            return db.Events.AsNoTracking().Where(e => e.JobId == jobId).OrderBy(e => e.Line);
        }

        if (entry.Kind == SiteFeedbackKind.Events)
        {
            var upTo = entry.UpToEventId ?? 0;
            var matches = await EventSearch.FilterAsync(db, EventQuery.Parse(entry.Query), entry.FromMs, entry.ToMs, cancellationToken);
            return matches.Where(e => e.Id <= upTo).OrderBy(e => e.Id);
        }

        var incident = entry.IncidentId is { } id ? await db.Incidents.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, cancellationToken) : null;
        return incident is null
            ? db.Events.Where(_ => false)
            : (await IncidentActivity.EventsOfAsync(db, IncidentViews.Summary(incident), cancellationToken)).AsNoTracking().OrderBy(e => e.Id);
    }

    private static SiteFeedback Add(SiemDbContext db, SiteFeedbackKind kind, string actor, long records, string? note, DateTime now, long? jobId = null, long? incidentId = null)
    {
        var entry = new SiteFeedback
        {
            Kind = kind,
            JobId = jobId,
            IncidentId = incidentId,
            Label = KddLabels.Normal,
            AddedBy = actor,
            AddedUtc = now,
            Records = records,
            Note = note is { Length: > 1000 } ? note[..1000] : note,
        };
        db.SiteFeedback.Add(entry);
        return entry;
    }

    private static void Audit(SiemDbContext db, SiteFeedback entry, string actor, DateTime now, string details) =>
        db.Audit.Add(new AuditEntry
        {
            AtUtc = now,
            Actor = actor,
            Action = entry.Kind switch
            {
                SiteFeedbackKind.Baseline => "SiteBaseline",
                SiteFeedbackKind.Events => "SiteEvents",
                _ => "SiteFalsePositive",
            },
            EntityType = nameof(SiteFeedback),
            EntityId = (entry.JobId ?? entry.IncidentId ?? entry.Id).ToString(CultureInfo.InvariantCulture),
            Details = details,
        });

    private static SiteFeedbackView View(SiteFeedback f) =>
        new(f.Id, f.Kind, f.JobId, f.IncidentId, f.Label, f.AddedBy, new DateTimeOffset(f.AddedUtc, TimeSpan.Zero), f.Records, f.Note)
        {
            Query = f.Query,
            FromMs = f.FromMs,
            ToMs = f.ToMs,
        };
}
