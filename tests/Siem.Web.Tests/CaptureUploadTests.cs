using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Ingest;
using Siem.TestSupport;
using Siem.Web.Ingest;

namespace Siem.Web.Tests;

/// <summary>Packet captures uploaded like any file: extraction -> classification -> events and incidents, as one job.</summary>
public sealed class CaptureUploadTests
{
    private const double Start = 1_763_000_000; // 2025-11-13T02:13:20Z

    /// <summary>Three web sessions to 192.168.1.20, then 300 unanswered SYNs to 10.0.0.1 within 1.5 s.</summary>
    private static CaptureBuilder WebThenSynFlood()
    {
        var capture = new CaptureBuilder();
        for (var i = 0; i < 3; i++)
        {
            capture.HttpSession(Start + i, "192.168.1.10", 50000 + i, "192.168.1.20", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + new string('x', 300));
        }

        for (var i = 0; i < 300; i++)
        {
            capture.Tcp(Start + 10 + 0.005 * i, "10.0.0.66", 1024 + i, "10.0.0.1", 80, Tcp.Syn);
        }

        return capture;
    }

    private static byte[] Pcap(CaptureBuilder capture)
    {
        using var folder = new TempDirectory();
        var path = folder.File("c.pcap");
        capture.WritePcap(path);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public async Task An_uploaded_pcap_becomes_events_with_the_capture_times_and_addresses_and_an_incident_per_target()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();

        var job = await client.UploadAndWaitAsync("traffic.pcap", Pcap(WebThenSynFlood()), "application/vnd.tcpdump.pcap");
        await app.WaitForCorrelationAsync();

        Assert.Equal(("Completed", 303L, 0L), (job.Status, job.Classified, job.Rejected));
        await using var db = app.CreateDb();
        var events = await db.Events.Where(e => e.JobId == job.Id).OrderBy(e => e.Line).ToListAsync();
        Assert.Equal(303, events.Count);
        Assert.Equal((long)(Start * 1000), events[0].TimeMs); // the capture's time, not the upload's
        var first = events[0].Connection;
        Assert.Equal(("192.168.1.10", "192.168.1.20", "http", "SF"), (first.SrcIp?.ToString(), first.DstIp?.ToString(), first.Service, first.Flag));
        Assert.Equal((long)((Start + 10) * 1000), events[3].TimeMs);
        var flood = events.Skip(3).ToList();
        Assert.All(flood, e => Assert.Equal(("10.0.0.1", "S0"), (e.Connection.DstIp?.ToString(), e.Connection.Flag)));
        Assert.True(flood.Count(e => e.IsAlert) >= 290, $"{flood.Count(e => e.IsAlert)} of 300 flood records are alerts");
        // The three web sessions are never called an attack by name: normal, or (the first ones, before the window
        // features have any history) unknown with normal as the closest class; they open no incident (below).
        Assert.All(events.Take(3), e => Assert.True(e.Label == "normal" || (e.Unknown && e.ClosestLabel == "normal"), $"{e.Label} closest {e.ClosestLabel}"));
        Assert.Contains(events.Take(3), e => e.Label == "normal");

        var incident = Assert.Single(await db.Incidents.Where(i => i.DstHost == "10.0.0.1").ToListAsync());
        Assert.Equal(flood.Count(e => e.IsAlert), incident.AlertCount);
        Assert.Equal((long)((Start + 10) * 1000), incident.FirstSeenMs);
        Assert.Empty(await db.Incidents.Where(i => i.DstHost == "192.168.1.20").ToListAsync());

        // Its activity: the alerts over its lifetime add up to its count, and its first events are the flood's.
        var activity = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/incidents/{incident.Id}/activity");
        Assert.Equal(incident.AlertCount, activity.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("alerts").GetInt64()));
        Assert.Equal(10, activity.GetProperty("samples").GetArrayLength());
        Assert.All(activity.GetProperty("samples").EnumerateArray(), e => Assert.Equal("10.0.0.1", e.GetProperty("dstIp").GetString()));
    }

    [Fact]
    public async Task A_truncated_capture_keeps_what_came_before_and_reports_the_damage()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var bytes = Pcap(WebThenSynFlood());

        var job = await client.UploadAndWaitAsync("cut.pcap", bytes[..^30], "application/octet-stream");
        job = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{job.Id}", ApiHelpers.Json))!;

        Assert.Equal("Completed", job.Status);
        Assert.Equal(302, job.Classified); // the last SYN was cut
        var rejection = Assert.Single(job.Rejections!);
        Assert.Contains("damaged after frame 323", rejection.Reason);
    }

    [Fact]
    public async Task A_file_named_like_a_capture_that_is_not_one_fails_with_a_clear_error()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();

        var job = await client.UploadAndWaitAsync("notes.pcap", "just some text\n"u8.ToArray(), "application/octet-stream");

        Assert.Equal("Failed", job.Status);
        Assert.Contains("neither pcap nor pcapng", job.Error);
    }

    [Fact]
    public async Task A_gzip_capture_bomb_fails_its_job_with_the_reason_and_the_next_upload_still_runs()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        using var folder = new TempDirectory();
        var bomb = folder.File("bomb.pcap.gz");
        HostileFiles.WriteGzipCaptureBomb(bomb, zeroMebibytes: 2048); // 2 GiB of zeros behind a pcap header, ~2 MB gzip'd

        var failed = await client.UploadAndWaitAsync("bomb.pcap.gz", File.ReadAllBytes(bomb), "application/gzip");
        var next = await client.UploadAndWaitAsync("traffic.pcap", Pcap(WebThenSynFlood()), "application/vnd.tcpdump.pcap");

        Assert.Equal(("Failed", 0L), (failed.Status, failed.Read));
        Assert.Contains("decompression bomb", failed.Error);
        Assert.Equal(("Completed", 303L), (next.Status, next.Classified));
    }

    [Fact]
    public async Task A_gzip_csv_bomb_is_refused_by_upload_and_by_stream_with_a_clear_reason()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var bomb = HostileFiles.GzipCsvBomb(KddFixtures.ToCsvLine(KddFixtures.SynFlood()), mebibytes: 1024); // 1 GiB of CSV in ~4 MB

        var failed = await client.UploadAndWaitAsync("bomb.csv.gz", bomb, "application/gzip");
        var streamed = await client.PostAsync("/api/ingest", new ByteArrayContent(bomb) { Headers = { ContentType = new("text/csv") } });

        Assert.Equal("Failed", failed.Status);
        Assert.Contains("decompression bomb", failed.Error);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, streamed.StatusCode);
        Assert.Contains("decompression bomb", await streamed.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The loopback scenario: 40 plain web fetches within one second (traffic the 1998 model finds unfamiliar),
    /// then a port sweep and a SYN flood. Nowhere in the API may a known attack name stand with a probability under
    /// the unknown threshold: an unknown record is "unknown", its closest class apart.
    /// </summary>
    [Fact]
    public async Task Unfamiliar_web_traffic_is_shown_as_unknown_with_its_closest_class_never_as_a_low_confidence_attack()
    {
        var capture = new CaptureBuilder();
        for (var i = 0; i < 40; i++)
        {
            capture.HttpSession(Start + (i * 0.025), "127.0.0.1", 41000 + i, "127.0.0.2", "GET / HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.0\r\n\r\n",
                "HTTP/1.0 200 OK\r\nContent-Length: 527\r\n\r\n" + new string('x', 527), serverPort: 8080);
        }

        for (var port = 1; port <= 100; port++)
        {
            capture.Tcp(Start + 5 + (port * 0.01), "127.0.0.3", 50000, "127.0.0.2", port, Tcp.Syn);
        }

        for (var i = 0; i < 300; i++)
        {
            capture.Tcp(Start + 10 + (0.005 * i), "10.0.0.66", 1024 + i, "127.0.0.2", 80, Tcp.Syn);
        }

        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var threshold = app.Services.GetRequiredService<Siem.Store.Models.ActiveModel>().Classifier.Card.Decision.UnknownConfidenceThreshold;

        var job = await client.UploadAndWaitAsync("loopback.pcap", Pcap(capture), "application/vnd.tcpdump.pcap");
        var events = (await client.GetFromJsonAsync<Siem.Store.Events.Page<Siem.Store.Events.EventView>>("/api/events?pageSize=500", ApiHelpers.Json))!.Items;
        var export = await client.GetStringAsync("/api/events/export");

        Assert.Equal("Completed", job.Status);
        Assert.Equal(job.Classified, events.Count);
        Assert.All(events, e => Assert.True(e.Label == "unknown" ? e.ClosestLabel is not null : e.Confidence >= threshold,
            $"event {e.Id}: {e.Label} {e.Confidence:P1} (unknown {e.Unknown}, closest {e.ClosestLabel})"));
        Assert.All(events.Where(e => e.Unknown), e => Assert.Equal("unknown", e.Label));
        Assert.Contains(events, e => e.Label == "unknown"); // the unfamiliar fetches are there, honestly labelled
        Assert.DoesNotContain(export.Split('\n').Skip(1), line => line.Contains(",true,", StringComparison.Ordinal) && !line.Split(',')[1].Equals("unknown", StringComparison.Ordinal));
    }
}
