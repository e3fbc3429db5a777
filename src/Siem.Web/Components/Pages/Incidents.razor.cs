using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Siem.Domain.Incidents;
using Siem.Web.Identity;
using Siem.Web.Incidents;
using Siem.Web.Live;
using Siem.Web.Persistence;

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

    private IncidentFilter Filter => new(
        Enum.TryParse<IncidentStatus>(_status, out var status) ? status : null,
        Enum.TryParse<IncidentSeverity>(_severity, out var severity) ? severity : null,
        _label);

    private HashSet<IncidentSummary> _selection = [];
    private int _matching;

    /// <summary>Acknowledges the selected rows, or every incident matching the filter when <paramref name="allMatching"/>.</summary>
    private async Task AcknowledgeManyAsync(bool allMatching)
    {
        if (await ActorAsync() is not { } actor)
        {
            return;
        }

        await using var db = await DbFactory.CreateDbContextAsync();
        var ids = allMatching ? null : _selection.Select(s => s.Id).ToList();
        var result = await new IncidentService(db, Live, TimeProvider.System)
            .ChangeStatusManyAsync(ids, allMatching ? Filter : null, IncidentStatus.Acknowledged, actor, null, _note);
        Snackbar.Add($"{result.Changed} acknowledged, {result.Skipped} skipped (already acknowledged or closed)", MudBlazor.Severity.Success);
        _selection = [];
        await ReloadAsync();
    }

    private Task ReloadAsync() => _table?.ReloadServerData() ?? Task.CompletedTask;

    private async Task<TableData<IncidentSummary>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        await using var db = await DbFactory.CreateDbContextAsync(cancellationToken);
        var query = Filter.Apply(db.Incidents.AsNoTracking());
        var total = await query.CountAsync(cancellationToken);
        var page = await query.OrderByDescending(i => i.LastSeenMs).ThenByDescending(i => i.Id)
            .Skip(state.Page * state.PageSize).Take(state.PageSize).ToListAsync(cancellationToken);
        _matching = total;
        return new TableData<IncidentSummary> { Items = page.Select(IncidentViews.Summary).ToList(), TotalItems = total };
    }

    private async Task SelectAsync(long id)
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        _detail = await new IncidentService(db, Live, TimeProvider.System).GetAsync(id);
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

    internal static string EventsLink(IncidentSummary incident)
    {
        var query = incident.Label == IncidentRules.UnknownLabel ? "unknown:true" : $"label:{incident.Label}";
        if (incident.DstHost is { } host)
        {
            query += $" and dst_ip:\"{host}\"";
        }

        return $"/events?from={incident.FirstSeen.ToUnixTimeMilliseconds()}&to={incident.LastSeen.ToUnixTimeMilliseconds() + 1}&q={Uri.EscapeDataString(query)}";
    }
}
