using Microsoft.AspNetCore.Components;
using MudBlazor;
using Siem.Store.Incidents;
using Siem.Store.Live;
using Siem.Store.Stats;
using Siem.Web.Components.Presentation;
using Siem.Web.Components.Shared;
using Siem.Web.Live;
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

    [Inject] private StatsService Stats { get; set; } = default!;
    [Inject] private IncidentQueries Incidents { get; set; } = default!;
    [Inject] private LiveNotifier Live { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    /// <summary>An absolute range in Unix milliseconds (links from elsewhere); the picker sets the same.</summary>
    [SupplyParameterFromQuery(Name = "from")]
    private long? FromMs { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    private long? ToMs { get; set; }

    internal const string CustomRange = "custom";
    private const int MaxLabelSeries = 8;
    private const string DateTimeLocalFormat = "yyyy-MM-ddTHH:mm";
    private string _stackBy = "category";
    private string? _customFrom;
    private string? _customTo;
    private string? _rangeError;

    private readonly List<BreadcrumbItem> _breadcrumbs = [new("Dashboard", "/"), new("Timeline", null, disabled: true)];
    private string _range = "all";
    private bool _live = true;
    private TimelineCaption? _caption;
    private bool _firstLoad = true;
    private const int MaxAnnotations = 12;
    private Siem.Store.Stats.Timeline? _timeline;
    private List<IncidentMark> _incidents = [];


    /// <summary>A line where each incident opened in the range (the most severe first, at most a dozen).</summary>
    private object Annotations() => new
    {
        xaxis = _incidents.Select(i => new
        {
            x = i.AtMs,
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

    protected override async Task OnInitializedAsync()
    {
        if (FromMs is { } from && ToMs is { } to && to > from)
        {
            _range = CustomRange;
            _live = false;
            _customFrom = DateTimeOffset.FromUnixTimeMilliseconds(from).UtcDateTime.ToString(DateTimeLocalFormat, System.Globalization.CultureInfo.InvariantCulture);
            _customTo = DateTimeOffset.FromUnixTimeMilliseconds(to).UtcDateTime.ToString(DateTimeLocalFormat, System.Globalization.CultureInfo.InvariantCulture);
        }

        await LoadAsync();
        _subscription = Live.Subscribe(OnLiveAsync, TimeSpan.FromSeconds(1));
    }

    private void StackBy(string mode)
    {
        _stackBy = mode;
    }

    /// <summary>Reads the From/To pickers (UTC); returns the error to show, or null.</summary>
    internal static string? ParseCustomRange(string? fromText, string? toText, out DateTimeOffset from, out DateTimeOffset to)
    {
        from = to = default;
        const System.Globalization.DateTimeStyles utc = System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal;
        if (!DateTimeOffset.TryParse(fromText, System.Globalization.CultureInfo.InvariantCulture, utc, out from) ||
            !DateTimeOffset.TryParse(toText, System.Globalization.CultureInfo.InvariantCulture, utc, out to))
        {
            return "Pick both a start and an end.";
        }

        return to <= from ? "The end must come after the start." : null;
    }

    private async Task ApplyCustomRangeAsync()
    {
        _rangeError = ParseCustomRange(_customFrom, _customTo, out var from, out var to);
        if (_rangeError is not null)
        {
            return;
        }

        (FromMs, ToMs) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        _live = false; // a fixed window in the past does not move
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["from"] = FromMs, ["to"] = ToMs }), replace: true);
        await SelectRangeAsync(CustomRange);
    }

    private async Task SelectRangeAsync(string range)
    {
        _range = range;
        if (range != CustomRange && FromMs is not null)
        {
            (FromMs, ToMs) = (null, null);
            Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["from"] = null, ["to"] = null }), replace: true);
        }

        _firstLoad = true;
        _timeline = null;
        StateHasChanged();
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var now = DateTimeOffset.UtcNow;
        if (_range == CustomRange && FromMs is { } customFrom && ToMs is { } customTo)
        {
            await LoadRangeAsync(DateTimeOffset.FromUnixTimeMilliseconds(customFrom), DateTimeOffset.FromUnixTimeMilliseconds(customTo));
            return;
        }

        if (Ranges[_range] is { } span)
        {
            await LoadRangeAsync(now - span, now.AddMinutes(1));
            return;
        }

        // "all": from the first minute with events to the end of the last one, at least 30 minutes wide to still see bars.
        var (from, to) = await Stats.ExtentAsync() ?? (now.AddHours(-1), now.AddMinutes(1));
        await LoadRangeAsync(to - from < TimeSpan.FromMinutes(30) ? to.AddMinutes(-30) : from, to);
    }

    private async Task LoadRangeAsync(DateTimeOffset from, DateTimeOffset to)
    {
        _timeline = await Stats.TimelineAsync(from, to, null);
        _incidents = [.. await Incidents.OpenedBetweenAsync(from, to, MaxAnnotations)];
        _firstLoad = false;
    }

    /// <summary>Live: re-read the rollups at most once a second and hand the chart new series (no re-render).</summary>
    private async Task OnLiveAsync(LiveUpdate update)
    {
        if (!_live || _range == CustomRange || update.Counts is null)
        {
            return;
        }

        await InvokeAsync(async () =>
        {
            var hadChart = _chart is not null;
            await LoadAsync();
            if (hadChart && _chart is not null)
            {
                await _chart.UpdateOptionsAsync(new { xaxis = XAxis(), series = Series(), colors = SeriesColors(), annotations = Annotations() });
                _caption?.Show(_timeline!);
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

        var all = Series();
        if (selected.Series < 0 || selected.Series >= all.Count || selected.Point < 0 || selected.Point >= all[selected.Series].Data.Count)
        {
            return;
        }

        var series = all[selected.Series];
        var start = (long)series.Data[selected.Point][0];
        var end = start + _timeline.IntervalSeconds * 1000L;
        Navigation.NavigateTo(PageLinks.Events(series.Name == OtherLabels ? null : $"{_stackBy}:{series.Name}", start, end));
    }

    private const string OtherLabels = "other";

    internal List<ChartSeries> Series() => _stackBy == "label" ? LabelSeries(Dense(_timeline)) : CategorySeries(Dense(_timeline));

    /// <summary>
    /// Every bucket of the range, empty ones as zero: ApexCharts sizes bars from the spacing of the points, so
    /// one lone bucket would otherwise be drawn as wide as the whole range.
    /// </summary>
    internal static IReadOnlyList<TimelineBucket> Dense(Siem.Store.Stats.Timeline? timeline)
    {
        if (timeline is null)
        {
            return [];
        }

        var intervalMs = timeline.IntervalSeconds * 1000L;
        var first = timeline.From.ToUnixTimeMilliseconds() / intervalMs;
        var last = (timeline.To.ToUnixTimeMilliseconds() - 1) / intervalMs;
        if (last - first > 5_000)
        {
            return timeline.Buckets; // an explicit tiny interval over a huge range: leave it sparse
        }

        var byStart = timeline.Buckets.ToDictionary(b => b.Start.ToUnixTimeMilliseconds() / intervalMs);
        var empty = new Dictionary<string, long>();
        return [.. Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + i).Select(bucket => byStart.TryGetValue(bucket, out var b) ? b
            : new TimelineBucket(DateTimeOffset.FromUnixTimeMilliseconds(bucket * intervalMs), empty, 0, 0, empty))];
    }

    internal static List<ChartSeries> CategorySeries(IReadOnlyList<TimelineBucket> buckets) => SiemColors.Categories.Select(category => new ChartSeries(
        category,
        buckets.Select(b => new double[] { b.Start.ToUnixTimeMilliseconds(), b.ByCategory.GetValueOrDefault(category) }).ToList())).ToList();

    /// <summary>The most frequent labels of the range as their own series (normal first), the rest together as "other".</summary>
    internal static List<ChartSeries> LabelSeries(IReadOnlyList<TimelineBucket> buckets)
    {
        var top = buckets.SelectMany(b => b.ByLabel).GroupBy(p => p.Key).OrderByDescending(g => g.Sum(p => p.Value)).Select(g => g.Key)
            .Take(MaxLabelSeries).OrderBy(l => l == "normal" ? 0 : 1).ThenBy(l => l, StringComparer.Ordinal).ToList();
        var series = top.Select(label => new ChartSeries(label,
            buckets.Select(b => new double[] { b.Start.ToUnixTimeMilliseconds(), b.ByLabel.GetValueOrDefault(label) }).ToList())).ToList();
        if (buckets.Any(b => b.ByLabel.Keys.Except(top).Any()))
        {
            series.Add(new ChartSeries(OtherLabels, buckets.Select(b => new double[]
                { b.Start.ToUnixTimeMilliseconds(), b.ByLabel.Where(p => !top.Contains(p.Key)).Sum(p => p.Value) }).ToList()));
        }

        return series;
    }

    private string[] SeriesColors() => _stackBy == "label"
        ? [.. Series().Select(s => s.Name == "normal" ? SiemColors.CategoryColor("normal") : s.Name == OtherLabels ? SiemColors.Other : LabelPalette[(uint)StableHash(s.Name) % LabelPalette.Length])]
        : [.. SiemColors.Categories.Select(SiemColors.CategoryColor)];

    private static readonly string[] LabelPalette = ["#ef5350", "#ab47bc", "#ffa726", "#26c6da", "#ffee58", "#8d6e63", "#ec407a", "#7e57c2", "#d4e157", "#29b6f6"];

    // string.GetHashCode differs per process; a label keeps its colour across restarts.
    private static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked(hash * 31 + c));

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
        series = Series(),
        colors = SeriesColors(),
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
