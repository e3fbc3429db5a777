using System.Linq.Expressions;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Siem.Domain.Records;
using Siem.Store.Events;
using Siem.Store.Persistence;
using Siem.Web.Events;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests.Events;

/// <summary>The explorer's query language: what each query selects, and the errors bad queries get.</summary>
public class EventQueryTests
{
    private static readonly SecurityEvent[] Events =
    [
        Event(1, NormalHttp() with { SrcBytes = 500 }, "normal", "normal", 0.99f),
        Event(2, SynFlood(), "neptune", "dos", 0.97f),
        Event(3, SmurfEcho() with { SrcBytes = 20_000 }, "smurf", "dos", 0.6f, unknown: true),
        Event(4, NormalHttp() with { Service = "ftp", Flag = "REJ", DstIp = System.Net.IPAddress.Parse("10.0.0.9") }, "guess_passwd", "r2l", 0.7f),
    ];

    private static SecurityEvent Event(long line, ConnectionRecord record, string label, string category, float confidence, bool unknown = false) => new()
    {
        Line = line,
        Connection = record,
        Label = label,
        Category = category,
        Confidence = confidence,
        Unknown = unknown,
        IsAlert = category != "normal" || unknown,
    };

    private static long[] Select(string query) => Events.Where(EventQuery.Parse(query).Compile()).Select(e => e.Line).ToArray();

    [Theory]
    [InlineData("", new long[] { 1, 2, 3, 4 })]
    [InlineData("label:neptune", new long[] { 2 })]
    [InlineData("LABEL:Neptune.", new long[] { 2 })]
    [InlineData("label:neptune and service:private", new long[] { 2 })]
    [InlineData("label:neptune and service:http", new long[0])]
    [InlineData("category:r2l or unknown:true", new long[] { 3, 4 })]
    [InlineData("confidence<0.8", new long[] { 3, 4 })]
    [InlineData("src_bytes>10000", new long[] { 3 })]
    [InlineData("src_bytes>=500 src_bytes<=500", new long[] { 1 })]
    [InlineData("not category:dos", new long[] { 1, 4 })]
    [InlineData("not (category:dos or label:normal)", new long[] { 4 })]
    [InlineData("(label:smurf or label:neptune) and confidence>0.9", new long[] { 2 })]
    [InlineData("flag:rej", new long[] { 4 })]
    [InlineData("alert:false", new long[] { 1 })]
    [InlineData("label != normal and protocol_type:icmp", new long[] { 3 })]
    public void Queries_select_the_matching_events(string query, long[] expected) =>
        Assert.Equal(expected, Select(query));

    [Theory]
    [InlineData("colour:red", "unknown field 'colour'", 1)]
    [InlineData("label<neptune", "'<' does not apply to label", 6)]
    [InlineData("src_bytes>lots", "'lots' is not a valid whole number for src_bytes", 11)]
    [InlineData("(label:neptune", "'(' is never closed", 1)]
    [InlineData("label:neptune)", "')' without a matching '('", 14)]
    [InlineData("label:", "expected a value after 'label:'", 7)]
    [InlineData("label neptune", "expected an operator", 7)]
    [InlineData("label:\"nep", "a quoted value is never closed", 7)]
    [InlineData("label:neptune and", "the query ends where a condition was expected", 18)]
    [InlineData("unknown:maybe", "'maybe' is not a valid true/false for unknown", 9)]
    public void Bad_queries_say_what_and_where(string query, string message, int column)
    {
        var error = Assert.Throws<EventQueryException>(() => EventQuery.Parse(query));

        Assert.Contains(message, error.Message);
        Assert.Equal(column, error.Position + 1);
    }
}

/// <summary>The same language through GET /api/events, run by SQLite (IP comparisons only make sense there: they compare the stored text).</summary>
public class EventQueryApiTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    [Fact]
    public async Task The_database_runs_the_query_and_bad_queries_get_a_problem()
    {
        var client = app.ApiClient();
        await client.UploadAndWaitAsync("query.csv", IngestTests.MixedFile(out _, out _));

        var floods = await client.GetFromJsonAsync<Page<EventView>>("/api/events?q=" + Uri.EscapeDataString("label:neptune and dst_ip:\"10.0.0.9\" and count>=200 and not flag:SF"), ApiHelpers.Json);
        var icmp = await client.GetFromJsonAsync<Page<EventView>>("/api/events?q=" + Uri.EscapeDataString("protocol_type:icmp or (service:http and src_bytes<1000)"), ApiHelpers.Json);
        var bad = await client.GetAsync("/api/events?q=" + Uri.EscapeDataString("src_bytes>>1"));

        Assert.Equal(20, floods!.Total);
        Assert.Equal(16, icmp!.Total);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("expected a value after", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Export_streams_every_match_as_csv_with_all_features_oldest_first()
    {
        await using var own = new SiemAppFactory();
        var client = own.ApiClient();
        await client.UploadAndWaitAsync("export.csv", IngestTests.MixedFile(out _, out _));

        var response = await client.GetAsync("/api/events/export?q=" + Uri.EscapeDataString("label:neptune"));
        var bad = await client.GetAsync("/api/events/export?q=" + Uri.EscapeDataString("label:"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("attachment", response.Content.Headers.ContentDisposition!.ToString());
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal(["time", "label", "category", "confidence", "unknown", "closest_label", "rule", "duration"], header[..8]);
        Assert.Contains("dst_host_srv_rerror_rate", header);
        Assert.Equal(21, lines.Length); // the 20 neptune records
        var times = lines[1..].Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(times.Order(StringComparer.Ordinal), times);
        Assert.All(lines[1..], l => Assert.Contains(",10.0.0.9,", l));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // One of them in full: its features and the model's three likeliest classes.
        var first = (await client.GetFromJsonAsync<Page<EventView>>("/api/events?pageSize=1&q=label:neptune", ApiHelpers.Json))!.Items[0];
        var detail = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/events/{first.Id}");
        var top = detail.GetProperty("topClasses").EnumerateArray().ToList();
        Assert.Equal(3, top.Count);
        Assert.Equal("neptune", top[0].GetProperty("label").GetString());
        Assert.True(top[0].GetProperty("score").GetSingle() >= top[1].GetProperty("score").GetSingle());
        Assert.Equal("S0", detail.GetProperty("features").GetProperty("flag").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/events/999999")).StatusCode);
    }

    [Fact]
    public async Task Export_as_ecs_writes_one_elastic_common_schema_document_per_line_for_bulk_loading()
    {
        await using var own = new SiemAppFactory();
        var client = own.ApiClient();
        await client.UploadAndWaitAsync("export.csv", IngestTests.MixedFile(out _, out _));

        var response = await client.GetAsync("/api/events/export?format=ecs&q=" + Uri.EscapeDataString("label:neptune"));
        var unknownFormat = await client.GetAsync("/api/events/export?format=xml");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20, lines.Length);
        using var first = System.Text.Json.JsonDocument.Parse(lines[0]);
        var doc = first.RootElement;
        Assert.True(DateTimeOffset.TryParse(doc.GetProperty("@timestamp").GetString(), out _));
        Assert.Equal("alert", doc.GetProperty("event").GetProperty("kind").GetString());
        Assert.Equal(["network", "intrusion_detection"], doc.GetProperty("event").GetProperty("category").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["connection"], doc.GetProperty("event").GetProperty("type").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("10.0.0.9", doc.GetProperty("destination").GetProperty("ip").GetString());
        Assert.Equal(0, doc.GetProperty("source").GetProperty("bytes").GetInt64());
        Assert.Equal(("tcp", "private"), (doc.GetProperty("network").GetProperty("transport").GetString(), doc.GetProperty("network").GetProperty("protocol").GetString()));
        Assert.Equal(("neptune", "dos"), (doc.GetProperty("rule").GetProperty("name").GetString(), doc.GetProperty("rule").GetProperty("category").GetString()));
        Assert.Equal("S0", doc.GetProperty("siem").GetProperty("flag").GetString());
        Assert.All(lines, l => Assert.StartsWith("{\"@timestamp\":", l));
        Assert.Equal(HttpStatusCode.BadRequest, unknownFormat.StatusCode);
        Assert.Contains("csv (default) or ecs", await unknownFormat.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_histogram_counts_matches_per_interval_from_the_rollups_or_the_events()
    {
        await using var own = new SiemAppFactory();
        var client = own.ApiClient();
        await client.UploadAndWaitAsync("histogram.csv", IngestTests.MixedFile(out _, out _)); // 46 s of 2026-11-20 09:00 UTC

        var pure = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/events/histogram?q=" + Uri.EscapeDataString("label:neptune"));
        var mixed = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/events/histogram?q=" + Uri.EscapeDataString("label:neptune and count>=200"));
        var all = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/events/histogram");

        static long Sum(System.Text.Json.JsonElement h) => h.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("count").GetInt64());
        Assert.Equal((60, 20L), (pure.GetProperty("bucketSeconds").GetInt32(), Sum(pure)));
        Assert.Equal(20, Sum(mixed));
        Assert.Equal(36, Sum(all));
        // Half an hour up to the last match (a short burst shows as bars), the matches in the last minute.
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 31, 0, TimeSpan.Zero), pure.GetProperty("buckets")[0].GetProperty("start").GetDateTimeOffset());
        Assert.Equal(20, pure.GetProperty("buckets").EnumerateArray().Last().GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Counts_stop_at_the_cap_and_say_so_while_small_results_are_exact()
    {
        // Its own store: exactly 10,001 smurf records, one past the cap.
        await using var own = new SiemAppFactory();
        var client = own.ApiClient();
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < EventQueries.CountCap + 1; i++)
        {
            text.Append(Siem.TestSupport.KddFixtures.ToCsvLine(i == 0 ? Siem.TestSupport.KddFixtures.NormalHttp() : Siem.TestSupport.KddFixtures.SmurfEcho(i % 7))).Append('\n');
        }

        await client.UploadAndWaitAsync("many.csv", text.ToString());

        var all = await client.GetFromJsonAsync<Page<EventView>>("/api/events?pageSize=5", ApiHelpers.Json);
        var one = await client.GetFromJsonAsync<Page<EventView>>("/api/events?q=service:http", ApiHelpers.Json);

        var histogram = await client.GetAsync("/api/events/histogram?q=" + Uri.EscapeDataString("src_bytes>=0"));

        Assert.Equal((10_000L, true, 5), (all!.Total, all.TotalIsLowerBound, all.Items.Count));
        Assert.Equal((1L, false), (one!.Total, one.TotalIsLowerBound));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, histogram.StatusCode); // too many matches for rollups that cannot count them
    }
}

/// <summary>How a query narrows itself to the minutes its labels occur in.</summary>
public sealed class EventSearchTests
{
    [Theory]
    [InlineData("label:guess_passwd", "(r.Label == \"guess_passwd\")")]
    [InlineData("label:neptune and src_bytes>10", "(r.Label == \"neptune\")")]
    [InlineData("category:r2l and label:imap", "((r.Category == \"r2l\") AndAlso (r.Label == \"imap\"))")]
    [InlineData("label:imap or label:phf", "((r.Label == \"imap\") OrElse (r.Label == \"phf\"))")]
    [InlineData("label:imap or unknown:true", null)]
    [InlineData("not label:normal", null)]
    [InlineData("src_bytes>10000", null)]
    public void Label_and_category_conditions_carry_over_to_the_rollups(string query, string? expected) =>
        Assert.Equal(expected, Render(EventSearch.RollupCondition(EventQuery.Parse(query))?.Body));

    [Theory]
    [InlineData("", "True")]
    [InlineData("label:neptune", "(r.Label == \"neptune\")")]
    [InlineData("category:dos or label:satan", "((r.Category == \"dos\") OrElse (r.Label == \"satan\"))")]
    [InlineData("label:neptune and src_bytes>10", null)]
    [InlineData("unknown:true", null)]
    public void Only_pure_label_and_category_queries_are_counted_exactly_by_the_rollups(string query, string? expected) =>
        Assert.Equal(expected, Render(EventSearch.ExactRollupCondition(EventQuery.Parse(query))?.Body));

    [Fact]
    public void Query_values_reach_the_database_as_bound_parameters_not_sql_text()
    {
        using var db = new SiemDbContext(new DbContextOptionsBuilder<SiemDbContext>().UseSqlite("Data Source=:memory:").Options);
        const string hostile = "x'); drop table events; --";

        var sql = db.Events.Where(EventQuery.Parse($"service:\"{hostile}\" and src_bytes>12345 and label:neptune")).ToQueryString();
        var preamble = sql[..sql.IndexOf("SELECT", StringComparison.Ordinal)];
        var statement = sql[preamble.Length..];

        Assert.DoesNotContain("drop table", statement, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("12345", statement);
        Assert.DoesNotContain("neptune", statement);
        Assert.Contains("\"service\" = @", statement);
        Assert.Contains("\"src_bytes\" > @", statement);
        Assert.Contains("drop table events", preamble); // EF lists the bound values before the statement
    }

    /// <summary>The expression as text, with each bound query value written in place (as a constant would be).</summary>
    private static string? Render(Expression? node) => node is null ? null : new InlineValues().Visit(node)!.ToString();

    private sealed class InlineValues : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node) =>
            node is not null && QueryValue.IsValue(node) ? Expression.Constant(QueryValue.ValueOf(node), node.Type) : base.Visit(node);
    }

    [Fact]
    public void Minutes_become_runs_and_the_closest_runs_are_joined_past_the_limit()
    {
        long[] minutes = [10, 11, 12, 20, 21, 100, 103];

        Assert.Equal([(600_000L, 780_000L), (1_200_000L, 1_320_000L), (6_000_000L, 6_060_000L), (6_180_000L, 6_240_000L)], EventSearch.Ranges(minutes, 20));
        // Two ranges allowed: the widest gap (21 -> 100) stays a break, the others are joined.
        Assert.Equal([(600_000L, 1_320_000L), (6_000_000L, 6_240_000L)], EventSearch.Ranges(minutes, 2));
        Assert.Empty(EventSearch.Ranges([], 20));
    }
}

/// <summary>The same explorer tests on PostgreSQL.</summary>
public sealed class EventQueryApiTestsOnPostgres(PostgresAppFactory app) : EventQueryApiTests(app), IClassFixture<PostgresAppFactory>;
