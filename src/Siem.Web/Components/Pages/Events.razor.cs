using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Siem.Domain.Records;
using Siem.Web.Events;
using Siem.Store.Events;
using Siem.Store.Persistence;

namespace Siem.Web.Components.Pages;

/// <summary>Query events with the explorer language, page through them on the server, open one to see all 41 features.</summary>
public partial class Events
{
    [Inject] private IDbContextFactory<SiemDbContext> DbFactory { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private Siem.Detection.Model.OnnxClassifier Classifier { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "q")]
    private string? InitialQuery { get; set; }

    /// <summary>Optional time range in Unix milliseconds (a timeline bucket links here with both).</summary>
    [SupplyParameterFromQuery(Name = "from")]
    private long? FromMs { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    private long? ToMs { get; set; }

    private readonly List<BreadcrumbItem> _breadcrumbs = [new("Dashboard", "/"), new("Events explorer", null, disabled: true)];
    private MudTable<EventRow>? _table;
    private string? _query;
    private string? _error;
    private long _total;
    private bool _totalIsLowerBound;
    private EventRow? _selected;
    private IReadOnlyList<(string Label, float Score)>? _topClasses;
    private EventHistogram? _histogram;
    private (string, long?, long?)? _histogramKey;
    private int _histogramVersion;

    protected override void OnInitialized() => _query = InitialQuery;

    /// <summary>The grid's columns; the column chooser hides or shows them (Time and Label always show).</summary>
    internal static readonly (string Name, RenderFragment<EventRow> Cell, bool Always)[] Columns =
    [
        ("Time (UTC)", row => b => b.AddContent(0, row.Time.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)), true),
        ("Label", LabelCell, true),
        ("Category", CategoryCell, false),
        ("Confidence", row => b => b.AddContent(0, row.Confidence.ToString("P1", System.Globalization.CultureInfo.InvariantCulture)), false),
        ("Protocol", row => b => b.AddContent(0, row.Connection.ProtocolType), false),
        ("Service", row => b => b.AddContent(0, row.Connection.Service), false),
        ("Flag", row => b => b.AddContent(0, row.Connection.Flag), false),
        ("Source", row => b => b.AddContent(0, Endpoint(row.Connection.SrcIp, row.Connection.SrcPort)), false),
        ("Destination", row => b => b.AddContent(0, Endpoint(row.Connection.DstIp, row.Connection.DstPort)), false),
        ("Bytes out / in", row => b => b.AddContent(0, $"{row.Connection.SrcBytes:N0} / {row.Connection.DstBytes:N0}"), false),
        ("Duration (s)", row => b => b.AddContent(0, row.Connection.Duration), false),
        ("Count (2 s)", row => b => b.AddContent(0, row.Connection.Count), false),
        ("Job / line", row => b => b.AddContent(0, $"{row.JobId} / {row.Line}"), false),
    ];

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

    private string ExportUrl
    {
        get
        {
            var parameters = new List<string>();
            if (!string.IsNullOrWhiteSpace(_query))
            {
                parameters.Add("q=" + Uri.EscapeDataString(_query));
            }

            if (FromMs is { } from)
            {
                parameters.Add("from=" + Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(from).ToString("O")));
            }

            if (ToMs is { } to)
            {
                parameters.Add("to=" + Uri.EscapeDataString(DateTimeOffset.FromUnixTimeMilliseconds(to).ToString("O")));
            }

            return "/api/events/export" + (parameters.Count == 0 ? "" : "?" + string.Join('&', parameters));
        }
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

    private async Task<TableData<EventRow>> LoadAsync(TableState state, CancellationToken cancellationToken)
    {
        System.Linq.Expressions.Expression<Func<SecurityEvent, bool>> predicate;
        try
        {
            predicate = EventQuery.Parse(_query);
            _error = null;
        }
        catch (EventQueryException e)
        {
            _error = e.Message;
            _total = 0;
            return new TableData<EventRow> { Items = [], TotalItems = 0 };
        }

        await using var db = await DbFactory.CreateDbContextAsync(cancellationToken);
        var query = await EventSearch.FilterAsync(db, predicate, FromMs, ToMs, cancellationToken);
        (_total, _totalIsLowerBound) = await query.CountUpToCapAsync(cancellationToken);
        var histogramKey = (_query?.Trim() ?? "", FromMs, ToMs);
        if (histogramKey != _histogramKey)
        {
            // Once per query, not per page turn.
            _histogramKey = histogramKey;
            _histogram = await EventSearch.HistogramAsync(db, predicate, FromMs, ToMs, matchesAreFew: !_totalIsLowerBound, cancellationToken);
            _histogramVersion++;
        }

        var items = await query.OrderByDescending(e => e.TimeMs).ThenByDescending(e => e.Id)
            .Skip(state.Page * state.PageSize).Take(state.PageSize)
            .Select(e => new EventRow(e.Id, DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs), e.Label, e.Category, e.Confidence, e.Unknown, e.JobId, e.Line, e.Connection))
            .ToListAsync(cancellationToken);
        return new TableData<EventRow> { Items = items, TotalItems = (int)Math.Min(_total, int.MaxValue) };
    }

    /// <summary>Opens an event's detail. Scores are not stored (they would cost every insert); the model is a pure function of the record, so they are recomputed.</summary>
    private void Select(EventRow? row)
    {
        _selected = row;
        _topClasses = row is null ? null : TopClasses(Classifier, row.Connection);
    }

    internal static IReadOnlyList<(string Label, float Score)> TopClasses(Siem.Detection.Model.OnnxClassifier classifier, ConnectionRecord record) =>
        [.. classifier.Classify(record).Top(3).Select(t => (classifier.Labels[t.Index], t.Score))];

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

    internal static string Endpoint(System.Net.IPAddress? ip, int? port) => Endpoint(ip?.ToString(), port);

    /// <summary>"10.0.0.9:80", "10.0.0.9" without a port, "—" without an address.</summary>
    internal static string Endpoint(string? ip, int? port) => ip is null ? "—" : port is { } p ? $"{ip}:{p}" : ip;

    /// <summary>The 41 features by name, in documented order, formatted for reading.</summary>
    internal static IEnumerable<(string Name, string Value)> Features(EventRow row) =>
        KddFeatures.Names.Zip(row.Connection.FeatureTexts());
}

public sealed record EventRow(long Id, DateTimeOffset Time, string Label, string Category, float Confidence, bool Unknown, long JobId, long Line, ConnectionRecord Connection);
