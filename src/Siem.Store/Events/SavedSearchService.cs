using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Events;

/// <summary>Who is asking: their name, and whether they may share searches (Analysts, Admins) and manage others' shared ones (Admins).</summary>
public sealed record SearchUser(string Name, bool CanShare, bool IsAdmin)
{
    public static SearchUser Of(System.Security.Claims.ClaimsPrincipal user) => new(user.Identity?.Name ?? "unknown",
        user.IsInRole(Identity.SiemRoles.Admin) || user.IsInRole(Identity.SiemRoles.Analyst), user.IsInRole(Identity.SiemRoles.Admin));
}

/// <summary>A search as entered: a relative range (last N minutes), an absolute one (from/to), or neither (all time).</summary>
public sealed record SavedSearchInput(string? Name, string? Query, int? RangeMinutes = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    bool Shared = false, string? Description = null);

public sealed record SavedSearchView(long Id, string Name, string Query, string? Description, int? RangeMinutes, DateTimeOffset? From, DateTimeOffset? To,
    bool Shared, bool BuiltIn, string Owner, DateTime CreatedUtc, DateTime UpdatedUtc, bool CanEdit)
{
    /// <summary>"last 24 h", "2026-11-21 09:00 - 10:00 UTC", "all time".</summary>
    public string RangeText => RangeMinutes is { } minutes
        ? minutes % 1440 == 0 && minutes > 1440 ? $"last {minutes / 1440} days" : minutes % 60 == 0 ? $"last {minutes / 60} h" : $"last {minutes} min"
        : From is { } from ? $"{from.UtcDateTime:yyyy-MM-dd HH:mm} - {To?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "now"} UTC"
        : "all time";

    /// <summary>The range it covers when run at <paramref name="now"/>, in Unix milliseconds.</summary>
    public (long? FromMs, long? ToMs) RangeAt(DateTimeOffset now) => RangeMinutes is { } minutes
        ? (now.AddMinutes(-minutes).ToUnixTimeMilliseconds(), null)
        : (From?.ToUnixTimeMilliseconds(), To?.ToUnixTimeMilliseconds());
}

public abstract record SavedSearchResult
{
    public sealed record Done(SavedSearchView Search) : SavedSearchResult;
    public sealed record NotFound(long Id) : SavedSearchResult;
    public sealed record Forbidden(string Reason) : SavedSearchResult;
}

/// <summary>
/// Saved searches for the explorer, the timeline and <c>/api/searches</c>: a user sees the built-in ones, the shared
/// ones and their own; anyone may keep private searches, Analysts and Admins share them, the owner (or an Admin, for a
/// shared one) edits and deletes. A query is checked by the explorer's parser before it is kept.
/// </summary>
public sealed class SavedSearchService(IDbContextFactory<SiemDbContext> databases, EventService events, TimeProvider time)
{
    public const string SystemOwner = "(built in)";

    /// <summary>The searches every install starts with.</summary>
    public static readonly IReadOnlyList<SavedSearch> BuiltIns =
    [
        new() { Name = "Unknown traffic", Query = "unknown:true", RangeMinutes = 1440, Owner = SystemOwner,
            Description = "Connections the model could not place with confidence: new kinds of traffic, or attacks it never saw." },
        new() { Name = "U2R and R2L alerts", Query = "alert:true and (category:u2r or category:r2l)", RangeMinutes = 10080, Owner = SystemOwner,
            Description = "Root and remote-access attempts: few connections, each worth a look." },
        new() { Name = "Scans against one host", Query = "alert:true and category:probe and dst_host_diff_srv_rate>=0.5", RangeMinutes = 1440, Owner = SystemOwner,
            Description = "Probe alerts where most recent connections to the same host asked for different services: a port scan of that host." },
    ];

    public async Task<IReadOnlyList<SavedSearchView>> ListAsync(SearchUser user, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var visible = await db.SavedSearches.AsNoTracking().Where(s => s.BuiltIn || s.Shared || s.Owner == user.Name).ToListAsync(cancellationToken);
        return [.. visible.OrderByDescending(s => s.BuiltIn).ThenBy(s => s.BuiltIn ? s.Id : 0).ThenBy(s => s.Owner != user.Name).ThenBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Select(s => View(s, user))];
    }

    public async Task<SavedSearchView?> GetAsync(long id, SearchUser user, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var search = await db.SavedSearches.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        return search is not null && Visible(search, user) ? View(search, user) : null;
    }

    public async Task<SavedSearchResult> CreateAsync(SavedSearchInput input, SearchUser user, CancellationToken cancellationToken = default)
    {
        var valid = Validate(input);
        if (valid.Shared && !user.CanShare)
        {
            return new SavedSearchResult.Forbidden("Only Analysts and Admins share searches; keep it private.");
        }

        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        await EnsureNameFreeAsync(db, user.Name, valid.Name!, null, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var search = new SavedSearch { Name = "", Query = "", Owner = user.Name, CreatedUtc = now, UpdatedUtc = now };
        Apply(search, valid);
        db.SavedSearches.Add(search);
        await db.SaveChangesAsync(cancellationToken);
        return new SavedSearchResult.Done(View(search, user));
    }

    public async Task<SavedSearchResult> UpdateAsync(long id, SavedSearchInput input, SearchUser user, CancellationToken cancellationToken = default)
    {
        var valid = Validate(input);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var search = await db.SavedSearches.FindAsync([id], cancellationToken);
        if (search is null || !Visible(search, user))
        {
            return new SavedSearchResult.NotFound(id);
        }

        if (!MayEdit(search, user))
        {
            return new SavedSearchResult.Forbidden(search.BuiltIn ? "Built-in searches cannot be changed; save a copy." : "Only its owner or an Admin changes a shared search.");
        }

        if (valid.Shared && !search.Shared && !user.CanShare)
        {
            return new SavedSearchResult.Forbidden("Only Analysts and Admins share searches; keep it private.");
        }

        await EnsureNameFreeAsync(db, search.Owner, valid.Name!, id, cancellationToken);
        Apply(search, valid);
        search.UpdatedUtc = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return new SavedSearchResult.Done(View(search, user));
    }

    public async Task<SavedSearchResult> DeleteAsync(long id, SearchUser user, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var search = await db.SavedSearches.FindAsync([id], cancellationToken);
        if (search is null || !Visible(search, user))
        {
            return new SavedSearchResult.NotFound(id);
        }

        if (!MayEdit(search, user))
        {
            return new SavedSearchResult.Forbidden(search.BuiltIn ? "Built-in searches cannot be deleted." : "Only its owner or an Admin deletes a shared search.");
        }

        db.SavedSearches.Remove(search);
        await db.SaveChangesAsync(cancellationToken);
        return new SavedSearchResult.Done(View(search, user));
    }

    /// <summary>Runs a visible search over its range now; null when there is no such search.</summary>
    public async Task<Page<EventView>?> RunAsync(long id, SearchUser user, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(id, user, cancellationToken) is not { } search)
        {
            return null;
        }

        var (fromMs, toMs) = search.RangeAt(time.GetUtcNow());
        return await events.SearchAsync(new EventSearchRequest(search.Query, fromMs, toMs, Page: page, PageSize: pageSize), cancellationToken);
    }

    /// <summary>Adds the built-in searches an install does not have yet (at start).</summary>
    public async Task EnsureBuiltInsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var existing = await db.SavedSearches.Where(s => s.BuiltIn).Select(s => s.Name).ToListAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var builtIn in BuiltIns.Where(b => !existing.Contains(b.Name)))
        {
            db.SavedSearches.Add(new SavedSearch
            {
                Name = builtIn.Name,
                Query = builtIn.Query,
                Description = builtIn.Description,
                RangeMinutes = builtIn.RangeMinutes,
                Owner = SystemOwner,
                BuiltIn = true,
                Shared = true,
                CreatedUtc = now,
                UpdatedUtc = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static SavedSearchInput Validate(SavedSearchInput input)
    {
        var name = string.IsNullOrWhiteSpace(input.Name) ? throw new InvalidInputException("A saved search needs a name.") : input.Name.Trim();
        if (name.Length > 100)
        {
            throw new InvalidInputException("A saved search's name is at most 100 characters.");
        }

        var query = input.Query?.Trim() ?? "";
        try
        {
            EventQuery.Parse(query);
        }
        catch (EventQueryException e)
        {
            throw new InvalidInputException($"The query does not parse: {e.Message}");
        }

        if (input.RangeMinutes is { } minutes && (minutes < 1 || minutes > 60 * 24 * 3650))
        {
            throw new InvalidInputException("A relative range is 1 minute to 10 years.");
        }

        if (input.RangeMinutes is not null && (input.From is not null || input.To is not null))
        {
            throw new InvalidInputException("A search has a relative range (rangeMinutes) or an absolute one (from, to), not both.");
        }

        if (input.From is { } from && input.To is { } to && to <= from)
        {
            throw new InvalidInputException("'to' must be after 'from'.");
        }

        return input with { Name = name, Query = query, Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim() };
    }

    private static async Task EnsureNameFreeAsync(SiemDbContext db, string owner, string name, long? except, CancellationToken cancellationToken)
    {
        if (await db.SavedSearches.AnyAsync(s => s.Owner == owner && s.Name == name && s.Id != except, cancellationToken))
        {
            throw new InvalidInputException($"You already have a search named '{name}'.");
        }
    }

    private static void Apply(SavedSearch search, SavedSearchInput input)
    {
        search.Name = input.Name!;
        search.Query = input.Query!;
        search.Description = input.Description;
        search.RangeMinutes = input.RangeMinutes;
        search.FromMs = input.From?.ToUnixTimeMilliseconds();
        search.ToMs = input.To?.ToUnixTimeMilliseconds();
        search.Shared = input.Shared;
    }

    private static bool Visible(SavedSearch search, SearchUser user) => search.BuiltIn || search.Shared || search.Owner == user.Name;

    private static bool MayEdit(SavedSearch search, SearchUser user) => !search.BuiltIn && (search.Owner == user.Name || (search.Shared && user.IsAdmin));

    private static SavedSearchView View(SavedSearch s, SearchUser user) => new(s.Id, s.Name, s.Query, s.Description, s.RangeMinutes,
        s.FromMs is { } from ? DateTimeOffset.FromUnixTimeMilliseconds(from) : null, s.ToMs is { } to ? DateTimeOffset.FromUnixTimeMilliseconds(to) : null,
        s.Shared, s.BuiltIn, s.Owner, s.CreatedUtc, s.UpdatedUtc, MayEdit(s, user));
}
