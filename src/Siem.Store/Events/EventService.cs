using Microsoft.EntityFrameworkCore;
using Siem.Detection.Model;
using Siem.Domain.Records;
using Siem.Store.Persistence;

namespace Siem.Store.Events;

/// <summary>
/// A search of the explorer: the query text, a time range in Unix ms, extra field filters, and a 1-based page.
/// <paramref name="CountMatches"/> false: the page alone, its total only what the pages show (the explorer page asks
/// for the count separately, once per query, so its rows never wait for it).
/// </summary>
public sealed record EventSearchRequest(string? Query, long? FromMs = null, long? ToMs = null, EventFilter? Filter = null, int Page = 1, int PageSize = 50, bool CountMatches = true);

/// <summary>How many events a query matches: exact, or at least <paramref name="Total"/> when counting stopped (cap or time budget).</summary>
public readonly record struct MatchCount(long Total, bool TotalIsLowerBound);

public sealed record ClassScore(string Label, float Score);

/// <summary>One event with its 41 features by name and the current model's three likeliest classes.</summary>
/// <param name="MadeBy">The model version that made the verdict (null for events stored before versions were kept).</param>
/// <param name="ScoredBy">The version that scored <paramref name="TopClasses"/> now (the active one).</param>
public sealed record EventDetail(EventView Event, IReadOnlyList<KeyValuePair<string, string>> Features, IReadOnlyList<ClassScore> TopClasses,
    ModelVersionRef? MadeBy = null, ModelVersionRef? ScoredBy = null);

public sealed record ModelVersionRef(int Id, string Name);

/// <summary>
/// Every read of events, for the explorer page and <c>/api/events</c> alike: search with a page of results,
/// the histogram of matches, one event's detail, and the CSV export. A query that does not parse is an
/// <see cref="EventQueryException"/> saying what and where.
/// </summary>
public sealed class EventService(IDbContextFactory<SiemDbContext> databases, Models.ActiveModel models, Persistence.StoreBackend store, Microsoft.Extensions.Options.IOptions<SiemOptions> options)
{
    /// <summary>
    /// The first count's cap: 1,001 matches of a query matching 1 % of the events are found in ~100,000 rows, where
    /// 10,001 need a scan of most of a 5M store (50-330 ms on PostgreSQL, 2 cores).
    /// </summary>
    internal const int FirstCount = 1_000;

    public async Task<Page<EventView>> SearchAsync(EventSearchRequest request, CancellationToken cancellationToken = default)
    {
        var predicate = EventQuery.Parse(request.Query);
        var size = Math.Clamp(request.PageSize, 1, EventQueries.MaxPageSize);
        var number = Math.Clamp(request.Page, 1, int.MaxValue / size);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var query = await FilteredAsync(db, request, predicate, cancellationToken);
        var items = await query.OrderByDescending(e => e.TimeMs).ThenByDescending(e => e.Id)
            .Skip((number - 1) * size).Take(size).ToViews().ToListAsync(cancellationToken);
        // The count after the page, not beside it: on two cores a count's parallel scan beside the page made the page
        // itself 20 times slower (9 -> 200 ms at 5M events on PostgreSQL).
        var counted = request.CountMatches ? await CountWithinBudgetAsync(db, query, cancellationToken) : null;
        var seen = (number - 1L) * size + items.Count; // at least the pages up to this one; all of them when this one is not full
        var (total, isLowerBound) = counted is { TotalIsLowerBound: false } exact ? exact
            : items.Count is > 0 && items.Count < size ? new MatchCount(seen, false)
            : new MatchCount(Math.Max(counted?.Total ?? 0, seen), true);
        return new Page<EventView>(await items.WithSourcesAsync(db, cancellationToken), total, number, size, isLowerBound);
    }

    /// <summary>The matches of a search (its page ignored), counted within <see cref="StoreOptions.CountBudget"/>; past it a lower bound.</summary>
    public async Task<MatchCount> CountAsync(EventSearchRequest request, CancellationToken cancellationToken = default)
    {
        var predicate = EventQuery.Parse(request.Query);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var query = await FilteredAsync(db, request, predicate, cancellationToken);
        return await CountWithinBudgetAsync(db, query, cancellationToken) ?? new MatchCount(0, true);
    }

    private static async Task<IQueryable<SecurityEvent>> FilteredAsync(SiemDbContext db, EventSearchRequest request, System.Linq.Expressions.Expression<Func<SecurityEvent, bool>> predicate, CancellationToken cancellationToken)
    {
        var query = await EventSearch.FilterAsync(db, predicate, request.FromMs, request.ToMs, cancellationToken);
        return request.Filter is { } filter ? query.Apply(filter) : query;
    }

    /// <summary>
    /// Matches counted within <see cref="StoreOptions.CountBudget"/>: first up to <see cref="FirstCount"/>, which thin
    /// matches reach after a short scan, then up to <see cref="EventQueries.CountCap"/> in what is left of the budget.
    /// A count that runs out of time is a lower bound ("1,000+"); null when not even the first finished (or counting is off).
    /// </summary>
    private async Task<MatchCount?> CountWithinBudgetAsync(SiemDbContext db, IQueryable<SecurityEvent> query, CancellationToken cancellationToken)
    {
        var allowed = options.Value.Store.CountBudget;
        if (allowed <= TimeSpan.Zero)
        {
            return null; // counting is off: pages only
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await store.WithinAsync(db, allowed, token => query.CountUpToAsync(FirstCount, token), cancellationToken);
        if (first is not { TotalIsLowerBound: true })
        {
            return first;
        }

        var left = allowed - clock.Elapsed;
        return left > TimeSpan.Zero ? await store.WithinAsync(db, left, query.CountUpToCapAsync, cancellationToken) ?? first : first;
    }

    /// <summary>
    /// Matches per interval, or null when there are over <see cref="EventQueries.CountCap"/> matches of a query the
    /// rollups cannot count. <paramref name="matchesAreFew"/> saves the count when the caller already knows it.
    /// </summary>
    public async Task<EventHistogram?> HistogramAsync(string? query, long? fromMs, long? toMs, bool? matchesAreFew = null, CancellationToken cancellationToken = default)
    {
        var predicate = EventQuery.Parse(query);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        // A query the rollups count exactly (labels, categories) is charted from them however many it matches: no count needed.
        var few = matchesAreFew ?? false;
        if (matchesAreFew is null && EventSearch.ExactRollupCondition(predicate) is null)
        {
            var (_, isLowerBound) = await (await EventSearch.FilterAsync(db, predicate, fromMs, toMs, cancellationToken)).CountUpToCapAsync(cancellationToken);
            few = !isLowerBound;
        }

        return await EventSearch.HistogramAsync(db, predicate, fromMs, toMs, few, cancellationToken);
    }

    /// <summary>One event; scores are not stored (they would cost every insert), the model is a pure function of the record, so they are recomputed.</summary>
    public async Task<EventDetail?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var stored = await db.Events.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var view = (await (await db.Events.AsNoTracking().Where(e => e.Id == id).ToViews().ToListAsync(cancellationToken)).WithSourcesAsync(db, cancellationToken)).Single();
        var features = KddFeatures.Names.Zip(stored.Connection.FeatureTexts(), (name, value) => new KeyValuePair<string, string>(name, value)).ToList();
        var model = models.Current;
        var classifier = model.Classifier;
        var top = classifier.Classify(stored.Connection).Top(3).Select(t => new ClassScore(classifier.Labels[t.Index], t.Score)).ToList();
        var versions = await db.ModelVersions.AsNoTracking()
            .Where(v => v.Id == model.VersionId || v.Id == stored.ModelVersion)
            .ToDictionaryAsync(v => v.Id, v => new ModelVersionRef(v.Id, v.Name), cancellationToken);
        return new EventDetail(view, features, top, stored.ModelVersion is { } made ? versions.GetValueOrDefault(made) : null, versions.GetValueOrDefault(model.VersionId));
    }

    /// <summary>Writes every match, oldest first, as CSV (or, <paramref name="ecs"/>, as ECS NDJSON) to <paramref name="body"/> (streamed).</summary>
    public async Task ExportAsync(string? query, long? fromMs, long? toMs, Stream body, bool ecs = false, CancellationToken cancellationToken = default)
    {
        var predicate = EventQuery.Parse(query);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var events = await EventSearch.FilterAsync(db, predicate, fromMs, toMs, cancellationToken);
        await (ecs ? EcsExport.WriteAsync(events, body, cancellationToken) : EventExport.WriteAsync(events, body, cancellationToken));
    }

    /// <summary>Parses the query without running it (so a caller can fail before it starts a response).</summary>
    public static void Validate(string? query) => EventQuery.Parse(query);
}
