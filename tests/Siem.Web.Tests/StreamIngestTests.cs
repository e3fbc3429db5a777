using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Domain.Records;
using Siem.Store.Identity;
using Siem.Store.Ingest;
using Siem.Web.Identity;
using Siem.Web.Ingest;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>POST /api/ingest: streamed CSV and NDJSON, plain and gzip, bad lines, keys, saturation, timestamps.</summary>
public class StreamIngestTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    private static HttpContent Body(string text, string mediaType, bool gzip)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (gzip)
        {
            using var buffer = new MemoryStream();
            using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                zip.Write(bytes);
            }

            bytes = buffer.ToArray();
        }

        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    internal static string Ndjson(ConnectionRecord record, string? label = null, string? timestamp = null)
    {
        Span<double> numeric = stackalloc double[KddFeatures.NumericCount];
        record.CopyNumericFeaturesTo(numeric);
        var values = new Dictionary<string, object?>();
        var n = 0;
        foreach (var feature in KddFeatures.All)
        {
            values[feature.Name] = feature.Index switch
            {
                KddFeatures.ProtocolTypeIndex => record.ProtocolType,
                KddFeatures.ServiceIndex => record.Service,
                KddFeatures.FlagIndex => record.Flag,
                _ => numeric[n++],
            };
        }

        values["label"] = label;
        values["timestamp"] = timestamp;
        values["dst_ip"] = "10.1.1.1";
        return JsonSerializer.Serialize(values);
    }

    private async Task<long> StoredInStreamAsync(string source)
    {
        await using var db = app.CreateDb();
        return await db.Events.CountAsync(e => db.Jobs.Any(j => j.Id == e.JobId && j.IsStream && j.FileName == $"stream: {source}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Csv_body_with_bad_lines_stores_the_good_ones_and_reports_the_bad(bool gzip)
    {
        var client = app.ApiClient();
        var before = await StoredInStreamAsync("key:bootstrap");
        var text = string.Join('\n', ToCsvLine(NormalHttp(), "normal"), "0,tcp,http", ToCsvLine(SynFlood()), ToCsvLine(SmurfEcho()).Replace("icmp", "ipx", StringComparison.Ordinal), ToCsvLine(SmurfEcho())) + "\n";

        var response = await client.PostAsync("/api/ingest", Body(text, "text/csv", gzip));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = (await response.Content.ReadFromJsonAsync<IngestSummary>(ApiHelpers.Json))!;
        Assert.Equal(3, summary.Accepted);
        Assert.Equal(2, summary.Rejected);
        Assert.Equal([2L, 4], summary.Rejections.Select(r => r.Line));
        Assert.Contains("unknown protocol 'ipx'", summary.Rejections[1].Reason);
        Assert.Null(summary.ResumeAtLine);
        Assert.Equal(before + 3, await StoredInStreamAsync("key:bootstrap"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ndjson_body_is_read_line_by_line(bool gzip)
    {
        var client = app.ApiClient();
        var text = string.Join('\n', Ndjson(NormalHttp(), "normal"), "{not json", Ndjson(SynFlood(), "neptune."), """{"duration": 0}""", Ndjson(SmurfEcho())) + "\n";

        var response = await client.PostAsync("/api/ingest", Body(text, "application/x-ndjson", gzip));

        var summary = (await response.Content.ReadFromJsonAsync<IngestSummary>(ApiHelpers.Json))!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, summary.Accepted);
        Assert.Equal([2L, 4], summary.Rejections.Select(r => r.Line));
        Assert.StartsWith("not valid JSON", summary.Rejections[0].Reason, StringComparison.Ordinal);
        Assert.Equal("protocol_type: missing", summary.Rejections[1].Reason);
    }

    [Fact]
    public async Task Records_land_in_the_rollup_minute_of_their_timestamp_or_of_their_arrival()
    {
        var client = app.ApiClient();
        var past = new DateTimeOffset(2024, 3, 1, 12, 34, 56, TimeSpan.Zero);
        var text = Ndjson(SynFlood(), timestamp: past.ToString("O")) + "\n" + Ndjson(SynFlood(), timestamp: null) + "\n";
        var sent = DateTimeOffset.UtcNow;

        var response = await client.PostAsync("/api/ingest", Body(text, "application/x-ndjson", gzip: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = app.CreateDb();
        var pastMinute = past.ToUnixTimeSeconds() / 60;
        Assert.Equal(1, await db.Rollups.Where(r => r.Minute == pastMinute).SumAsync(r => r.Count));
        var nowMinutes = new[] { sent.ToUnixTimeSeconds() / 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 };
        Assert.True(await db.Rollups.Where(r => nowMinutes.Contains(r.Minute) && r.Label == "neptune").SumAsync(r => r.Count) >= 1);
    }

    [Fact]
    public async Task Missing_or_revoked_keys_get_401_and_viewer_keys_403()
    {
        var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/ingest", Body("x", "text/csv", false))).StatusCode);

        var admin = app.ApiClient();
        var viewer = await (await admin.PostAsJsonAsync("/api/admin/keys", new CreateKeyRequest("viewer-stream", SiemRoles.Viewer))).Content.ReadFromJsonAsync<CreatedApiKey>();
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ApiClient(viewer!.Key).PostAsync("/api/ingest", Body(ToCsvLine(NormalHttp()), "text/csv", false))).StatusCode);

        var analyst = await (await admin.PostAsJsonAsync("/api/admin/keys", new CreateKeyRequest("revoked-stream", SiemRoles.Analyst))).Content.ReadFromJsonAsync<CreatedApiKey>();
        await admin.DeleteAsync($"/api/admin/keys/{analyst!.Id}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ApiClient(analyst.Key).PostAsync("/api/ingest", Body(ToCsvLine(NormalHttp()), "text/csv", false))).StatusCode);
    }

    [Fact]
    public async Task A_saturated_pipeline_answers_429_with_retry_after_and_keeps_what_it_accepted()
    {
        await using var small = new SiemAppFactory();
        var (app2, client, ingest) = small.WithSaturatedStream(TimeSpan.FromMilliseconds(200));
        var text = string.Concat(Enumerable.Range(0, 50).Select(i => ToCsvLine(SynFlood(i)) + "\n"));

        var request = client.PostAsync("/api/ingest", Body(text, "text/csv", false));
        // The first batch fills the queue; the second waits 200 ms and gives up: only then may the writer go on.
        await ingest.WhenFirstRefused.WaitAsync(TimeSpan.FromMinutes(1));
        ingest.ResumeWriting();
        var response = await request;

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        var summary = (await response.Content.ReadFromJsonAsync<IngestSummary>(ApiHelpers.Json))!;
        Assert.Equal(10, summary.Accepted);
        Assert.Equal(11, summary.ResumeAtLine);
        await using var db = app2.Services.CreateScope().ServiceProvider.GetRequiredService<Siem.Store.Persistence.SiemDbContext>();
        Assert.Equal(10, await db.Events.CountAsync());
    }

    [Fact]
    public async Task Past_the_stream_cap_a_request_is_refused_at_once_with_a_problem()
    {
        await using var small = new SiemAppFactory();
        await using var capped = small.WithWebHostBuilder(b => b.UseSetting("Siem:Ingest:MaxConcurrentStreams", "1"));
        var ingest = capped.Services.GetRequiredService<StreamIngest>();
        var client = capped.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", SiemAppFactory.AdminKey);
        Assert.True(ingest.TryEnterStream()); // a slow sender holds the only reader

        var refused = await client.PostAsync("/api/ingest", Body(ToCsvLine(SynFlood()) + "\n", "text/csv", false));
        ingest.ExitStream();
        var admitted = await client.PostAsync("/api/ingest", Body(ToCsvLine(SynFlood()) + "\n", "text/csv", false));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(0, ingest.ActiveStreams);
    }
}

/// <summary>The same streaming tests on PostgreSQL.</summary>
public sealed class StreamIngestTestsOnPostgres(PostgresAppFactory app) : StreamIngestTests(app), IClassFixture<PostgresAppFactory>;
