using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Siem.Store.Ingest;
using Siem.Web.Ingest;

namespace Siem.Web.Tests.Sensors;

/// <summary>Zeek conn.log uploaded and streamed like any records: told by its first line, flow ids kept and searchable.</summary>
public sealed class ZeekIngestTests
{
    private const string Header = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
                                  + "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tcommunity_id\n"
                                  + "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tstring\n";

    /// <summary>A web connection (uid Cweb1, Community ID 1:webflow=), a probe of forty ports, and a line with a protocol KDD does not know (line 49).</summary>
    internal static string ConnLog()
    {
        var log = new StringBuilder(Header);
        log.Append("1764583200.250000\tCweb1\t10.0.0.5\t51234\t10.0.0.9\t80\ttcp\thttp\t1.2\t350\t5400\tSF\t1:webflow=\n");
        for (var i = 0; i < 40; i++)
        {
            log.Append(FormattableString.Invariant($"{1764583210 + i * 0.01:F6}\tCsyn{i}\t10.0.0.66\t{2000 + i}\t10.0.0.1\t{i + 1}\ttcp\t-\t-\t-\t-\tS0\t-\n"));
        }

        log.Append("1764583220\tCbad\t10.0.0.5\t1\t10.0.0.9\t80\tsctp\t-\t-\t-\t-\tSF\t-\n");
        return log.ToString();
    }

    [Fact]
    public async Task An_uploaded_tsv_conn_log_becomes_events_findable_by_uid_and_community_id_with_their_source()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var job = await client.UploadAndWaitAsync("conn.log", Encoding.UTF8.GetBytes(ConnLog()), "text/plain");

        Assert.Equal(("Completed", 41L, 1L, "Zeek conn.log (TSV)"), (job.Status, job.Classified, job.Rejected, job.Format));
        var rejection = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{job.Id}", ApiHelpers.Json))!.Rejections!.Single();
        Assert.Equal(49, rejection.Line);
        Assert.Contains("proto: 'sctp' is not tcp, udp or icmp", rejection.Reason);

        var byUid = await SearchAsync(client, "uid:Cweb1");
        var web = Assert.Single(byUid.EnumerateArray());
        Assert.Equal(("10.0.0.5", "http", "SF", "1:webflow=", "conn.log", "Zeek conn.log (TSV)"),
            (web.GetProperty("srcIp").GetString(), web.GetProperty("service").GetString(), web.GetProperty("flag").GetString(),
                web.GetProperty("communityId").GetString(), web.GetProperty("source").GetString(), web.GetProperty("format").GetString()));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764583200250), web.GetProperty("time").GetDateTimeOffset());
        Assert.Single((await SearchAsync(client, "community_id:\"1:webflow=\"")).EnumerateArray());

        // The probe of forty ports shows in the window features the way a capture's would: the later records see the earlier ones.
        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/events/{(await SearchAsync(client, "uid:Csyn39")).EnumerateArray().Single().GetProperty("id").GetInt64()}");
        var features = detail.GetProperty("features").EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString());
        Assert.Equal(("40", "1"), (features["count"], features["serror_rate"]));
        Assert.Equal("Csyn39", detail.GetProperty("event").GetProperty("uid").GetString());
    }

    [Fact]
    public async Task A_streamed_json_conn_log_is_read_line_by_line()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var body = """
            {"ts":1764583200.5,"uid":"Cj1","id.orig_h":"10.0.0.5","id.orig_p":40000,"id.resp_h":"10.0.0.7","id.resp_p":22,"proto":"tcp","duration":0.5,"orig_bytes":1200,"resp_bytes":2400,"conn_state":"SF"}
            {"ts":1764583201.5,"uid":"Cj2","id.orig_h":"10.0.0.5","id.orig_p":40001,"id.resp_h":"10.0.0.7","proto":"tcp"}
            {"ts":1764583202.5,"uid":"Cj3","id.orig_h":"10.0.0.5","id.orig_p":53000,"id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","orig_bytes":40,"resp_bytes":120}
            """ + "\n";

        var response = await client.PostAsync("/api/ingest", new StringContent(body, Encoding.UTF8, "application/json"));

        var summary = (await response.Content.ReadFromJsonAsync<IngestSummary>(ApiHelpers.Json))!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((2L, 1L), (summary.Accepted, summary.Rejected));
        Assert.Equal((2L, "id.resp_p: missing"), (summary.Rejections[0].Line, summary.Rejections[0].Reason));
        var dns = Assert.Single((await SearchAsync(client, "uid:Cj3")).EnumerateArray());
        Assert.Equal(("udp", "domain_u", 40L), (dns.GetProperty("protocol").GetString(), dns.GetProperty("service").GetString(), dns.GetProperty("srcBytes").GetInt64()));
    }

    private static async Task<JsonElement> SearchAsync(HttpClient client, string query) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/events?q=" + Uri.EscapeDataString(query))).GetProperty("items");
}
