using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using Siem.Domain.Records;
using Siem.Store.Events;
using Siem.Web.Components.Events;
using Siem.Web.Components.Presentation;
using Siem.Web.Events;

namespace Siem.Web.Components.Pages;

/// <summary>Query events with the explorer language, page through them on the server, open one to see all 41 features.</summary>
public partial class Events : IDisposable
{
    [Inject] private EventService EventData { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "q")]
    private string? InitialQuery { get; set; }

    /// <summary>Optional time range in Unix milliseconds (a timeline bucket links here with both).</summary>
    [SupplyParameterFromQuery(Name = "from")]
    private long? FromMs { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    private long? ToMs { get; set; }

    private readonly List<BreadcrumbItem> _breadcrumbs = [new("Dashboard", "/"), new("Events explorer", null, disabled: true)];
    private MudTable<EventView>? _table;
    private string? _query;
    private string? _error;
    private long _total;
    private bool _totalIsLowerBound;
    private EventDetail? _selected;
    private EventHistogram? _histogram;
    private (string, long?, long?)? _histogramKey;
    private (string, long?, long?)? _countKey;
    private MatchCount? _count;
    private CancellationTokenSource? _counting;

    private bool _saving;
    private SavedSearchesPanel? _savedSearches;

    [Inject] private TimeProvider Time { get; set; } = default!;

    protected override void OnInitialized() => _query = InitialQuery;

    /// <summary>Puts a saved search in the explorer: its query over its range as of now.</summary>
    private async Task RunSavedAsync(SavedSearchView search)
    {
        _query = search.Query;
        (FromMs, ToMs) = search.RangeAt(Time.GetUtcNow());
        _selected = null;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["q"] = string.IsNullOrWhiteSpace(_query) ? null : _query,
            ["from"] = FromMs,
            ["to"] = ToMs,
        }), replace: true);
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private async Task SavedAsync(SavedSearchView search)
    {
        _saving = false;
        if (_savedSearches is not null)
        {
            await _savedSearches.ReloadAsync();
        }
    }

    /// <summary>The grid's columns; the column chooser hides or shows them (Time and Label always show).</summary>
    internal static readonly (string Name, RenderFragment<EventView> Cell, bool Always)[] Columns =
    [
        ("Time (UTC)", row => b => b.AddContent(0, row.Time.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)), true),
        ("Label", LabelCell, true),
        ("Category", CategoryCell, false),
        ("Confidence", row => b => b.AddContent(0, row.Confidence.ToString("P1", System.Globalization.CultureInfo.InvariantCulture)), false),
        ("Protocol", row => b => b.AddContent(0, row.Protocol), false),
        ("Service", row => b => b.AddContent(0, row.Service), false),
        ("Flag", row => b => b.AddContent(0, row.Flag), false),
        ("Source", row => b => b.AddContent(0, Format.Endpoint(row.SrcIp, row.SrcPort)), false),
        ("Destination", row => b => b.AddContent(0, Format.Endpoint(row.DstIp, row.DstPort)), false),
        ("Bytes out / in", row => b => b.AddContent(0, $"{row.SrcBytes:N0} / {row.DstBytes:N0}"), false),
        ("Duration (s)", row => b => b.AddContent(0, row.Duration), false),
        ("Count (2 s)", row => b => b.AddContent(0, row.Count), false),
        ("Job / line", row => b => b.AddContent(0, $"{row.JobId} / {row.Line}"), false),
        ("Sensor", row => b => b.AddContent(0, SensorOf(row)), false),
    ];

    /// <summary>Where the record came from: the exporter or file, and its format ("NetFlow v9 from 10.0.0.1", "conn.log (Zeek conn.log (TSV))").</summary>
    internal static string SensorOf(EventView row)
    {
        var source = row.Source is { } name ? (name.StartsWith("stream: ", StringComparison.Ordinal) ? name["stream: ".Length..] : name) : $"job {row.JobId}";
        return row.Format is { } format && !source.StartsWith(format, StringComparison.Ordinal) ? $"{source} · {format}" : source;
    }

    /// <summary>Shown by default: everything but the extra feature columns.</summary>
    private readonly HashSet<string> _hidden = ["Duration (s)", "Count (2 s)", "Job / line"];

    private bool IsShown(string column) => !_hidden.Contains(column);

    private void ToggleColumn(string column)
    {
        if (Columns.First(c => c.Name == column).Always || _hidden.Remove(column))
        {
            return;
        }

        _hidden.Add(column);
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
        {
            await SearchAsync();
        }
    }

    private async Task SearchAsync()
    {
        _selected = null;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("q", string.IsNullOrWhiteSpace(_query) ? null : _query), replace: true);
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    /// <summary>
    /// The rows first, without counting; the matches are counted once per query (not per page turn) after the rows
    /// show, and the histogram drawn when the count says whether there are few enough to chart without rollups. A
    /// count may take up to Siem:Store:CountBudget on a large store, and the rows never wait for it.
    /// </summary>
    private async Task<TableData<EventView>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        Page<EventView> page;
        try
        {
            page = await EventData.SearchAsync(new EventSearchRequest(_query, FromMs, ToMs, Page: state.Page + 1, PageSize: state.PageSize, CountMatches: false), cancellationToken);
            _error = null;
        }
        catch (EventQueryException e)
        {
            _error = e.Message;
            (_total, _totalIsLowerBound, _countKey, _histogram, _histogramKey) = (0, false, null, null, null);
            return new TableData<EventView> { Items = [], TotalItems = 0 };
        }

        var key = (_query?.Trim() ?? "", FromMs, ToMs);
        if (key != _countKey)
        {
            _countKey = key;
            _count = page.TotalIsLowerBound ? null : new MatchCount(page.Total, false); // a page that is not full is the last
            _histogram = null;
            _histogramKey = null;
            StartCounting(key);
        }

        // Until counted: what the pages show, one more so the pager offers the next page.
        (_total, _totalIsLowerBound) = _count is { } count ? (Math.Max(count.Total, page.Total), count.TotalIsLowerBound) : (page.Total, page.TotalIsLowerBound);
        var pagerTotal = _count is null && page.TotalIsLowerBound ? _total + 1 : _total;
        return new TableData<EventView> { Items = page.Items, TotalItems = (int)Math.Min(pagerTotal, int.MaxValue) };
    }

    /// <summary>Counts the query's matches (unless the first page already told) and charts them, off the rows' load; a newer query cancels it.</summary>
    private void StartCounting((string Query, long? FromMs, long? ToMs) key)
    {
        _counting?.Cancel();
        _counting?.Dispose();
        _counting = new CancellationTokenSource();
        var (known, token) = (_count, _counting.Token);
        _ = CountAndChartAsync();

        async Task CountAndChartAsync()
        {
            try
            {
                var count = known ?? await EventData.CountAsync(new EventSearchRequest(key.Query, key.FromMs, key.ToMs), token);
                var histogram = await EventData.HistogramAsync(key.Query, key.FromMs, key.ToMs, matchesAreFew: !count.TotalIsLowerBound, token);
                await InvokeAsync(async () =>
                {
                    if (token.IsCancellationRequested || key != _countKey)
                    {
                        return;
                    }

                    (_count, _histogram, _histogramKey) = (count, histogram, key);
                    _counting = null;
                    if (known is null && _table is not null)
                    {
                        await _table.ReloadServerData(); // the pager learns the total
                    }

                    StateHasChanged();
                });
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || token.IsCancellationRequested)
            {
                // a newer query or the page closing stopped it
            }
            catch (Exception)
            {
                // The rows are shown; without a count the total stays "at least" what they show.
                await InvokeAsync(() =>
                {
                    if (key == _countKey)
                    {
                        (_count, _counting) = (new MatchCount(_total, true), null);
                        StateHasChanged();
                    }
                });
            }
        }
    }

    public void Dispose()
    {
        _counting?.Cancel();
        _counting?.Dispose();
    }

    /// <summary>Opens an event's detail: its features and the model's likeliest classes (recomputed, not stored).</summary>
    private async Task SelectAsync(EventView? row) => _selected = row is null ? null : await EventData.GetAsync(row.Id);

    private static object HistogramOptions(EventHistogram histogram) => new
    {
        chart = new { type = "bar", height = 120, toolbar = new { show = false }, animations = new { enabled = false }, zoom = new { enabled = false } },
        plotOptions = new { bar = new { columnWidth = "90%" } },
        dataLabels = new { enabled = false },
        colors = new[] { "#42a5f5" },
        series = new[] { new { name = "events", data = histogram.Buckets.Select(b => new object[] { b.Start.ToUnixTimeMilliseconds(), b.Count }).ToArray() } },
        xaxis = new
        {
            type = "datetime",
            labels = new { datetimeUTC = true },
            min = histogram.Buckets[0].Start.ToUnixTimeMilliseconds(),
            max = histogram.Buckets[^1].Start.ToUnixTimeMilliseconds() + histogram.BucketSeconds * 1000L,
        },
        yaxis = new { labels = new { show = false } },
        grid = new { show = false },
        tooltip = new { x = new { format = "yyyy-MM-dd HH:mm" } },
    };

    /// <summary>A histogram bar was clicked: narrow the search to that bucket.</summary>
    private async Task ZoomToBucketAsync((int Series, int Point) selected)
    {
        if (_histogram is not { } histogram || selected.Point < 0 || selected.Point >= histogram.Buckets.Count)
        {
            return;
        }

        var start = histogram.Buckets[selected.Point].Start.ToUnixTimeMilliseconds();
        (FromMs, ToMs) = (start, start + histogram.BucketSeconds * 1000L);
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["from"] = FromMs, ["to"] = ToMs }), replace: true);
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private string RangeText =>
        $"{(FromMs is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f).ToString("yyyy-MM-dd HH:mm") : "start")} to {(ToMs is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t).ToString("yyyy-MM-dd HH:mm") : "now")} UTC";

    private async Task ClearRangeAsync(MudChip<string> _)
    {
        (FromMs, ToMs) = (null, null);
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["from"] = null, ["to"] = null }), replace: true);
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }
}

