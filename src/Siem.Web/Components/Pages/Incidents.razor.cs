using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Siem.Domain.Incidents;
using Siem.Store.Identity;
using Siem.Store.Incidents;
using Siem.Store.Live;
using Siem.Web.Identity;
using Siem.Web.Incidents;
using Siem.Web.Live;

namespace Siem.Web.Components.Pages;

/// <summary>Incidents: a filtered, server-paged list and a detail with actions (Analysts and Admins only) and the audit history.</summary>
public partial class Incidents
{
    [Inject] private IncidentQueries Queries { get; set; } = default!;
    [Inject] private IncidentService Service { get; set; } = default!;
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
    private Siem.Store.Exceptions.ExceptionInput? _exceptionDraft;

    /// <summary>Opens the exception form, prefilled from the incident (its label, host and what its first events share).</summary>
    private async Task OfferExceptionAsync()
    {
        if (_detail is not null)
        {
            _exceptionDraft = await Queries.ExceptionDraftAsync(_detail.Incident.Id);
        }
    }

    /// <summary>Relative ranges of incident activity offered above the grid.</summary>
    internal static readonly (string Key, string Text, TimeSpan? Span)[] Ranges =
        [("1h", "Last hour", TimeSpan.FromHours(1)), ("24h", "Last 24 hours", TimeSpan.FromDays(1)), ("7d", "Last 7 days", TimeSpan.FromDays(7)), ("all", "Any time", null)];

    private IncidentFilter Filter => BuildFilter(_status, _severity, _label, _assignee, _range, TimeProvider.System.GetUtcNow());

    internal static IncidentFilter BuildFilter(string? status, string? severity, string? label, string? assignee, string range, DateTimeOffset now) =>
        IncidentFilter.Parse(status, severity, label, assignee, Ranges.FirstOrDefault(r => r.Key == range).Span is { } span ? now - span : null, null);

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

        var ids = allMatching ? null : _selection.Select(s => s.Id).ToList();
        var result = await Service.ChangeStatusManyAsync(ids, allMatching ? Filter : null, to, actor, IncidentRules.NeedsResolution(to) ? _bulkResolution : null, _note);
        Snackbar.Add($"{result.Changed} {to.ToString().ToLowerInvariant()}, {result.Skipped} skipped (already in that state or not allowed from theirs)", MudBlazor.Severity.Success);
        _selection = [];
        await ReloadAsync();
    }

    private Task ReloadAsync() => _table?.ReloadServerData() ?? Task.CompletedTask;

    private async Task<TableData<IncidentSummary>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        var (column, descending) = SortOf(state.SortLabel, state.SortDirection);
        var page = await Queries.ListAsync(new IncidentListRequest(Filter, column, descending, state.Page + 1, state.PageSize), cancellationToken);
        _matching = (int)Math.Min(page.Total, int.MaxValue);
        return new TableData<IncidentSummary> { Items = page.Items, TotalItems = _matching };
    }

    /// <summary>The grid's sort label and direction as the service's sort; the newest activity first unless a column says otherwise.</summary>
    internal static (IncidentSortColumn Column, bool Descending) SortOf(string? label, SortDirection direction) =>
        (direction == SortDirection.None ? null : label) switch
        {
            "id" => (IncidentSortColumn.Id, direction == SortDirection.Descending),
            "severity" => (IncidentSortColumn.Severity, direction == SortDirection.Descending),
            "label" => (IncidentSortColumn.Label, direction == SortDirection.Descending),
            "host" => (IncidentSortColumn.Host, direction == SortDirection.Descending),
            "alerts" => (IncidentSortColumn.Alerts, direction == SortDirection.Descending),
            "risk" => (IncidentSortColumn.Risk, direction == SortDirection.Descending),
            "status" => (IncidentSortColumn.Status, direction == SortDirection.Descending),
            "last" => (IncidentSortColumn.LastSeen, direction == SortDirection.Descending),
            _ => (IncidentSortColumn.LastSeen, true),
        };

    private async Task AddNoteAsync()
    {
        if (_detail is null || await ActorAsync() is not { } actor)
        {
            return;
        }

        var result = await Service.AddNoteAsync(_detail.Incident.Id, actor, _note);
        await ReportAsync(result, $"Note added to incident {_detail.Incident.Id}");
    }

    private async Task SelectAsync(long id)
    {
        _detail = await Queries.GetAsync(id);
        _exceptionDraft = null;
        _activity = _detail is null ? null : await Queries.ActivityAsync(id);
        (_note, _resolution) = (null, null);
    }

    private async Task ChangeAsync(IncidentStatus to)
    {
        if (_detail is null || await ActorAsync() is not { } actor)
        {
            return;
        }

        var falsePositive = _resolution == IncidentResolution.FalsePositive && IncidentRules.NeedsResolution(to);
        var result = await Service.ChangeStatusAsync(_detail.Incident.Id, to, actor, _resolution, _note);
        await ReportAsync(result, $"Incident {_detail.Incident.Id}: {to}");
        if (falsePositive && result is IncidentActionResult.Done)
        {
            await OfferExceptionAsync(); // a false positive: offer to keep its like from opening incidents again
        }
    }

    private async Task AssignToMeAsync()
    {
        if (_detail is null || await ActorAsync() is not { } actor)
        {
            return;
        }

        var result = await Service.AssignAsync(_detail.Incident.Id, actor, actor);
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
}
