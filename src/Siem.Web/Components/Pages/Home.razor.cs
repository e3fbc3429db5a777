using Microsoft.AspNetCore.Components;
using MudBlazor;
using Siem.Domain.Incidents;
using Siem.Store.Incidents;
using Siem.Store.Live;
using Siem.Store.Stats;
using Siem.Web.Incidents;
using Siem.Web.Live;
using Siem.Web.Stats;

namespace Siem.Web.Components.Pages;

/// <summary>Live totals by category and the open incidents; updated from the live notifier without reload.</summary>
public partial class Home
{
    [Inject] private StatsService Stats { get; set; } = default!;
    [Inject] private IncidentQueries Incidents { get; set; } = default!;
    [Inject] private LiveNotifier Live { get; set; } = default!;

    private readonly Dictionary<string, long> _byCategory = new(StringComparer.Ordinal);
    private readonly Dictionary<long, JobProgress> _runningJobs = [];
    private List<IncidentSummary> _incidents = [];
    private long _total;
    private bool _loading = true;
    private IDisposable? _subscription;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _loading = false;
        _subscription = Live.Subscribe(OnLiveUpdateAsync);
    }

    private async Task LoadAsync()
    {
        var breakdown = await Stats.BreakdownAsync(null, null);
        _byCategory.Clear();
        foreach (var (category, count) in breakdown.ByCategory)
        {
            _byCategory[category] = count;
        }

        _total = breakdown.Total;
        await LoadIncidentsAsync();
    }

    private async Task LoadIncidentsAsync() => _incidents = [.. await Incidents.ActiveAsync(10)];

    private async Task OnLiveUpdateAsync(LiveUpdate update)
    {
        await InvokeAsync(async () =>
        {
            if (update.Counts is { } counts)
            {
                foreach (var (category, count) in counts.ByCategory)
                {
                    _byCategory[category] = _byCategory.GetValueOrDefault(category) + count;
                }

                _total += counts.Total;
            }

            foreach (var job in update.Jobs)
            {
                _runningJobs[job.JobId] = job;
            }

            if (update.Incidents.Count > 0)
            {
                await LoadIncidentsAsync();
            }

            StateHasChanged();
        });
    }

    internal static double Percent(JobProgress job) =>
        job.EstimatedTotalLines is { } total && total > 0 ? Math.Min(100, 100.0 * job.Read / total) : 0;

    public void Dispose() => _subscription?.Dispose();
}
