using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Siem.Domain.Incidents;
using Siem.Web.Identity;
using Siem.Store.Identity;
using Siem.Web.Incidents;
using Siem.Store.Incidents;
using Siem.Web.Live;
using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Web.Components.Pages;

/// <summary>Incidents: a filtered, server-paged list and a detail with actions (Analysts and Admins only) and the audit history.</summary>
public partial class Incidents
{
    [Inject] private IDbContextFactory<SiemDbContext> DbFactory { get; set; } = default!;
    [Inject] private LiveNotifier Live { get; set; } = default!;
    [Inject] private AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private readonly List<BreadcrumbItem> _breadcrumbs = [new("Dashboard", "/"), new("Incidents", null, disabled: true)];
    private MudTable<IncidentSummary>? _table;
    private string? _status;
    private string? _severity;
    private string? _label;
    private IncidentDetail? _detail;
    private string? _note;
    private IncidentResolution? _resolution;

    private string? _assignee;
    private string _range = "all";
    private IncidentResolution? _bulkResolution;
    private IncidentActivityData? _activity;

    /// <summary>Relative ranges of incident activity offered above the grid.</summary>
    internal static readonly (string Key, string Text, TimeSpan? Span)[] Ranges =
        [("1h", "Last hour", TimeSpan.FromHours(1)), ("24h", "Last 24 hours", TimeSpan.FromDays(1)), ("7d", "Last 7 days", TimeSpan.FromDays(7)), ("all", "Any time", null)];

    private IncidentFilter Filter => BuildFilter(_status, _severity, _label, _assignee, _range, TimeProvider.System.GetUtcNow());

    internal static IncidentFilter BuildFilter(string? status, string? severity, string? label, string? assignee, string range, DateTimeOffset now) => new(
        Enum.TryParse<IncidentStatus>(status, out var s) ? s : null,
        Enum.TryParse<IncidentSeverity>(severity, out var v) ? v : null,
        label,
        assignee,
        Ranges.FirstOrDefault(r => r.Key == range).Span is { } span ? now - span : null);

    private HashSet<IncidentSummary> _selection = [];
    private int _matching;

    /// <summary>Changes the selected rows, or every incident matching the filter (and only those) when <paramref name="allMatching"/>.</summary>
    private async Task ChangeManyAsync(IncidentStatus to, bool allMatching)
    {
        if (await ActorAsync() is not { } actor)
        {
            return;
        }

        if (IncidentRules.NeedsResolution(to) && _bulkResolution is null)
        {
            Snackbar.Add($"Choose a reason before {to.ToString().ToLowerInvariant()} several incidents.", MudBlazor.Severity.Warning);
            return;
        }

        await using var db = await DbFactory.CreateDbContextAsync();
        var ids = allMatching ? null : _selection.Select(s => s.Id).ToList();
        var result = await new IncidentService(db, Live, TimeProvider.System)
            .ChangeStatusManyAsync(ids, allMatching ? Filter : null, to, actor, IncidentRules.NeedsResolution(to) ? _bulkResolution : null, _note);
        Snackbar.Add($"{result.Changed} {to.ToString().ToLowerInvariant()}, {result.Skipped} skipped (already in that state or not allowed from theirs)", MudBlazor.Severity.Success);
        _selection = [];
        await ReloadAsync();
    }

    private Task ReloadAsync() => _table?.ReloadServerData() ?? Task.CompletedTask;

    private async Task<TableData<IncidentSummary>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        await using var db = await DbFactory.CreateDbContextAsync(cancellationToken);
        var query = Filter.Apply(db.Incidents.AsNoTracking());
        var total = await query.CountAsync(cancellationToken);
        var page = await Sort(query, state.SortLabel, state.SortDirection)
            .Skip(state.Page * state.PageSize).Take(state.PageSize).ToListAsync(cancellationToken);
        _matching = total;
        return new TableData<IncidentSummary> { Items = page.Select(IncidentViews.Summary).ToList(), TotalItems = total };
    }

    /// <summary>The grid's sort, done by the database; the newest activity first unless a column says otherwise.</summary>
    internal static IQueryable<Incident> Sort(IQueryable<Incident> incidents, string? column, SortDirection direction)
    {
        var descending = direction == SortDirection.Descending;
        IOrderedQueryable<Incident> By<TKey>(System.Linq.Expressions.Expression<Func<Incident, TKey>> key) =>
            descending ? incidents.OrderByDescending(key) : incidents.OrderBy(key);
        var sorted = (direction == SortDirection.None ? null : column) switch
        {
            "id" => By(i => i.Id),
            "severity" => By(IncidentOrdering.SeverityRank),
            "label" => By(i => i.Label),
            "host" => By(i => i.DstHost),
            "alerts" => By(i => i.AlertCount),
            "status" => By(IncidentOrdering.StatusRank),
            "last" => By(i => i.LastSeenMs),
            _ => incidents.OrderByDescending(i => i.LastSeenMs),
        };
        return sorted.ThenByDescending(i => i.Id);
    }

    private async Task AddNoteAsync()
    {
        if (_detail is null || await ActorAsync() is not { } actor)
        {
            return;
        }

        await using var db = await DbFactory.CreateDbContextAsync();
        var result = await new IncidentService(db, Live, TimeProvider.System).AddNoteAsync(_detail.Incident.Id, actor, _note);
        await ReportAsync(result, $"Note added to incident {_detail.Incident.Id}");
    }

    private async Task SelectAsync(long id)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        _detail = await new IncidentService(db, Live, TimeProvider.System).GetAsync(id);
        _activity = _detail is null ? null : await IncidentActivity.LoadAsync(db, _detail.Incident);
        (_note, _resolution) = (null, null);
    }

    private async Task ChangeAsync(IncidentStatus to)
    {
        if (_detail is null || await ActorAsync() is not { } actor)
        {
            return;
        }

        await using var db = await DbFactory.CreateDbContextAsync();
        var result = await new IncidentService(db, Live, TimeProvider.System).ChangeStatusAsync(_detail.Incident.Id, to, actor, _resolution, _note);
        await ReportAsync(result, $"Incident {_detail.Incident.Id}: {to}");
    }

    private async Task AssignToMeAsync()
    {
        if (_detail is null || await ActorAsync() is not { } actor)
        {
            return;
        }

        await using var db = await DbFactory.CreateDbContextAsync();
        var result = await new IncidentService(db, Live, TimeProvider.System).AssignAsync(_detail.Incident.Id, actor, actor);
        await ReportAsync(result, $"Incident {_detail.Incident.Id} assigned to you");
    }

    private async Task ReportAsync(IncidentActionResult result, string success)
    {
        switch (result)
        {
            case IncidentActionResult.Done done:
                Snackbar.Add(success, MudBlazor.Severity.Success);
                await SelectAsync(done.Incident.Id);
                await ReloadAsync();
                break;
            case IncidentActionResult.Invalid invalid:
                Snackbar.Add(invalid.Reason, MudBlazor.Severity.Warning);
                break;
            default:
                Snackbar.Add("That incident no longer exists.", MudBlazor.Severity.Error);
                break;
        }
    }

    /// <summary>The acting user, only when their role may act on incidents: the page checks, not just hides buttons.</summary>
    private async Task<string?> ActorAsync()
    {
        var user = (await Authentication.GetAuthenticationStateAsync()).User;
        if (user.IsInRole(SiemRoles.Admin) || user.IsInRole(SiemRoles.Analyst))
        {
            return user.Identity?.Name;
        }

        Snackbar.Add("Your role can read incidents but not act on them.", MudBlazor.Severity.Error);
        return null;
    }

    /// <summary>A small area chart of the incident's alerts over its lifetime.</summary>
    private static object SparklineOptions(IncidentActivityData activity) => new
    {
        chart = new { type = "area", height = 80, sparkline = new { enabled = true }, animations = new { enabled = false } },
        stroke = new { curve = "straight", width = 2 },
        colors = new[] { "#ef5350" },
        series = new[] { new { name = "alerts", data = activity.Buckets.Select(b => new object[] { b.Start.ToUnixTimeMilliseconds(), b.Alerts }).ToArray() } },
        xaxis = new { type = "datetime" },
        tooltip = new { x = new { format = "yyyy-MM-dd HH:mm" } },
    };

    internal static string EventsLink(IncidentSummary incident)
    {
        var query = IncidentActivity.EventQueryOf(incident);
        return $"/events?from={incident.FirstSeen.ToUnixTimeMilliseconds()}&to={incident.LastSeen.ToUnixTimeMilliseconds() + 1}&q={Uri.EscapeDataString(query)}";
    }
}
