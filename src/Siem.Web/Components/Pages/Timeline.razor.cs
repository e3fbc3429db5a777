using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Siem.Web.Components.Shared;
using Siem.Web.Live;
using Siem.Web.Persistence;
using Siem.Web.Stats;

namespace Siem.Web.Components.Pages;

/// <summary>Events over time by category from the per-minute rollups; in live mode it follows new traffic without re-rendering.</summary>
public partial class Timeline
{
    internal static readonly Dictionary<string, TimeSpan?> Ranges = new()
    {
        ["15m"] = TimeSpan.FromMinutes(15),
        ["1h"] = TimeSpan.FromHours(1),
        ["24h"] = TimeSpan.FromHours(24),
        ["7d"] = TimeSpan.FromDays(7),
        ["all"] = null,
    };

    [Inject] private IDbContextFactory<SiemDbContext> DbFactory { get; set; } = default!;
    [Inject] private LiveNotifier Live { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private readonly List<BreadcrumbItem> _breadcrumbs = [new("Dashboard", "/"), new("Timeline", null, disabled: true)];
    private string _range = "all";
    private bool _live = true;
    private bool _firstLoad = true;
    private const int MaxAnnotations = 12;
    private Stats.Timeline? _timeline;
    private List<IncidentMark> _incidents = [];

    private sealed record IncidentMark(long FirstSeenMs, string Label, string? Host, string Severity);

    /// <summary>A line where each incident opened in the range (the most severe first, at most a dozen).</summary>
    private object Annotations() => new
    {
        xaxis = _incidents.Select(i => new
        {
            x = i.FirstSeenMs,
            borderColor = i.Severity is "Critical" or "High" ? "#ef5350" : "#ffca28",
            label = new
            {
                text = i.Host is null ? i.Label : $"{i.Label} → {i.Host}",
                orientation = "horizontal",
                style = new { color = "#fff", background = "#37474f" },
            },
        }).ToArray(),
    };
    private ApexChart? _chart;
    private IDisposable? _subscription;
    private DateTime _lastRefresh;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _subscription = Live.Subscribe(OnLiveAsync);
    }

    private async Task SelectRangeAsync(string range)
    {
        _range = range;
        _firstLoad = true;
        _timeline = null;
        StateHasChanged();
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        await using var db = await DbFactory.CreateDbContextAsync();
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset from;
        if (Ranges[_range] is { } span)
        {
            from = now - span;
        }
        else
        {
            var first = await db.Rollups.MinAsync(r => (long?)r.Minute);
            from = first is { } minute ? DateTimeOffset.FromUnixTimeSeconds(minute * 60) : now.AddHours(-1);
        }

        var last = await db.Rollups.MaxAsync(r => (long?)r.Minute);
        var to = Ranges[_range] is null && last is { } lastMinute ? DateTimeOffset.FromUnixTimeSeconds((lastMinute + 1) * 60) : now.AddMinutes(1);
        _timeline = await new StatsService(db, TimeProvider.System).TimelineAsync(from, to, null, default);
        var (fromMs, toMs) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        _incidents = await db.Incidents.AsNoTracking()
            .Where(i => i.FirstSeenMs >= fromMs && i.FirstSeenMs < toMs)
            .OrderByDescending(i => i.Severity).ThenBy(i => i.FirstSeenMs).Take(MaxAnnotations)
            .Select(i => new IncidentMark(i.FirstSeenMs, i.Label, i.DstHost, i.Severity.ToString()))
            .ToListAsync();
        _firstLoad = false;
    }

    /// <summary>Live: re-read the rollups at most once a second and hand the chart new series (no re-render).</summary>
    private async Task OnLiveAsync(LiveUpdate update)
    {
        if (!_live || update.Counts is null || DateTime.UtcNow - _lastRefresh < TimeSpan.FromSeconds(1))
        {
            return;
        }

        _lastRefresh = DateTime.UtcNow;
        await InvokeAsync(async () =>
        {
            var hadChart = _chart is not null;
            await LoadAsync();
            if (hadChart && _chart is not null)
            {
                await _chart.UpdateOptionsAsync(new { xaxis = XAxis(), series = Series(), annotations = Annotations() });
            }
            else
            {
                StateHasChanged();
            }
        });
    }

    private void OpenBucketAsync((int Series, int Point) selected)
    {
        if (_timeline is null)
        {
            return;
        }

        var category = Home.Categories[selected.Series];
        var series = Series()[selected.Series];
        if (selected.Point < 0 || selected.Point >= series.Data.Count)
        {
            return;
        }

        var start = (long)series.Data[selected.Point][0];
        var end = start + _timeline.IntervalSeconds * 1000L;
        Navigation.NavigateTo($"/events?from={start}&to={end}&q={Uri.EscapeDataString($"category:{category}")}");
    }

    internal List<ChartSeries> Series() => Home.Categories.Select(category => new ChartSeries(
        category,
        (_timeline?.Buckets ?? []).Select(b => new double[] { b.Start.ToUnixTimeMilliseconds(), b.ByCategory.GetValueOrDefault(category) }).ToList())).ToList();

    /// <summary>The axis spans the selected range (half a bucket of margin), not just the buckets that have data.</summary>
    private object XAxis()
    {
        var half = (_timeline?.IntervalSeconds ?? 60) * 500L;
        return new
        {
            type = "datetime",
            min = _timeline is null ? (long?)null : _timeline.From.ToUnixTimeMilliseconds() - half,
            max = _timeline is null ? (long?)null : _timeline.To.ToUnixTimeMilliseconds() + half,
            labels = new { datetimeUTC = true },
        };
    }

    private object ChartOptions() => new
    {
        chart = new { type = "bar", stacked = true, height = 360, background = "transparent", animations = new { enabled = false }, toolbar = new { show = false } },
        theme = new { mode = "dark" },
        series = Series(),
        colors = Home.Categories.Select(Home.ColorOf).ToArray(),
        xaxis = XAxis(),
        annotations = Annotations(),
        yaxis = new { labels = new { } },
        dataLabels = new { enabled = false },
        legend = new { position = "top" },
        plotOptions = new { bar = new { columnWidth = "90%" } },
        tooltip = new { x = new { format = "yyyy-MM-dd HH:mm" } },
    };

    public void Dispose() => _subscription?.Dispose();
}

/// <summary>One ApexCharts series: points as [x, y].</summary>
public sealed record ChartSeries(string Name, List<double[]> Data);
