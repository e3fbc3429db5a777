using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Ingest;
using Siem.Store.Persistence;
using Siem.TestSupport;
using Siem.Web.Models;
using Siem.Web.SiteLearning;
using Xunit.Abstractions;

namespace Siem.Web.Tests.Models;

/// <summary>
/// The site-learning promise on real traffic: tcpdump records curl fetching pages from a local web server; the
/// shipped 1998 model flags many of them. After the capture is marked as normal site traffic and the app retrains
/// (on the real KDD training file plus that baseline) and the new version is activated, the fetches of a second
/// capture are normal while an nmap connect scan (recorded the same way) and a SYN flood (crafted with PacketDotNet:
/// a flood needs spoofed sources) still alert.
/// </summary>
public sealed class SiteLearningOnLoopbackTests(ITestOutputHelper output)
{
    private const int Port = 8888; // a developer's web port: "other" in KDD's port mapping (8080 is the capture tests' port)
    private const int FetchBursts = 4;
    private const int FetchesPerBurst = 10;

    [RequiresProgramsFact("tcpdump", "curl", "nmap", Privileged = true, KddData = true)]
    public async Task After_baselining_curl_fetches_and_retraining_fetches_are_normal_while_a_scan_and_a_flood_still_alert()
    {
        using var folder = new TempDirectory();
        using var app = new SiemAppFactory();
        app.Settings["Siem:Training:DataPath"] = RepositoryPaths.KddTrainingData;
        var client = app.ApiClient();
        using var server = new LoopbackWebServer(Port);

        await using (var capture = await LoopbackCapture.StartAsync(folder.File("benign.pcap"), $"tcp port {Port}"))
        {
            await FetchAsync();
            await capture.StopAsync();
        }

        var benign = await UploadAsync(client, folder.File("benign.pcap"));
        var flaggedBefore = Share(await FetchesAsync(app, benign.Id), e => e.IsAlert || e.Unknown);
        output.WriteLine($"shipped model: {flaggedBefore:P0} of {FetchBursts * FetchesPerBurst} fetches flagged");

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/site/baselines", new BaselineRequest(benign.Id, "curl against our web server"))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/models/retrain", new RetrainRequest())).StatusCode);
        var retrain = await ModelVersionTests.WaitForRetrainAsync(client, timeout: TimeSpan.FromMinutes(10));
        Assert.True(retrain.State == RetrainState.Succeeded, $"{retrain.State}: {retrain.Error}");
        output.WriteLine($"retrained in {retrain.ElapsedSeconds(DateTimeOffset.UtcNow):F0}s on {retrain.SiteRecords} site records");
        var activated = await client.PostAsJsonAsync($"/api/models/{retrain.VersionId}/activate", new ActivateRequest());
        Assert.True(activated.StatusCode == HttpStatusCode.OK, await activated.Content.ReadAsStringAsync()); // within the recall guardrail

        await using (var capture = await LoopbackCapture.StartAsync(folder.File("mixed.pcap"), $"tcp port {Port} or tcp portrange 1-1000"))
        {
            await FetchAsync();
            await Programs.RunAsync("nmap", "-sT -Pn -n --max-rate 2000 -p 1-1000 127.0.0.1");
            await capture.StopAsync();
        }

        var flood = new CaptureBuilder();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        for (var i = 0; i < 300; i++)
        {
            flood.Tcp(start + 0.005 * i, "10.0.0.66", 1024 + i, "10.0.0.1", 80, Tcp.Syn);
        }

        flood.WritePcap(folder.File("flood.pcap"));
        var mixed = await UploadAsync(client, folder.File("mixed.pcap"));
        var flooded = await UploadAsync(client, folder.File("flood.pcap"));

        await using var db = app.CreateDb();
        var mixedEvents = await db.Events.Where(e => e.JobId == mixed.Id && e.Connection.ProtocolType == "tcp").ToListAsync();
        var fetches = mixedEvents.Where(e => e.Connection.DstPort == Port).ToList();
        var scan = mixedEvents.Where(e => e.Connection.DstPort != Port).ToList();
        var floodEvents = await db.Events.Where(e => e.JobId == flooded.Id).ToListAsync();
        var normalFetches = Share(fetches, e => e.Label == "normal");
        var scanAlerts = Share(scan, e => e.IsAlert);
        var floodAlerts = Share(floodEvents, e => e.IsAlert);
        output.WriteLine($"retrained model: {normalFetches:P1} of {fetches.Count} fetches normal, {scanAlerts:P1} of {scan.Count} scan connections and {floodAlerts:P1} of {floodEvents.Count} flood connections alert");

        Assert.Equal(FetchBursts * FetchesPerBurst, fetches.Count);
        Assert.True(scan.Count >= 900, $"{scan.Count} scan connections"); // nmap tried 1,000 ports
        Assert.True(normalFetches >= 0.95, Describe(fetches));
        Assert.True(scanAlerts >= 0.95, Describe(scan));
        Assert.True(floodAlerts >= 0.95, Describe(floodEvents));
        Assert.All(fetches.Concat(scan), e => Assert.Equal(retrain.VersionId, e.ModelVersion));
    }

    /// <summary>Bursts of concurrent curl fetches, each its own connection.</summary>
    private static async Task FetchAsync()
    {
        for (var burst = 0; burst < FetchBursts; burst++)
        {
            await Task.WhenAll(Enumerable.Range(0, FetchesPerBurst).Select(i => Programs.RunAsync("curl", $"-s -o /dev/null http://127.0.0.1:{Port}/page{burst}-{i}")));
        }
    }

    private static async Task<JobView> UploadAsync(HttpClient client, string path)
    {
        var job = await client.UploadAndWaitAsync(Path.GetFileName(path), await File.ReadAllBytesAsync(path), "application/vnd.tcpdump.pcap");
        Assert.Equal("Completed", job.Status);
        return job;
    }

    private static async Task<List<SecurityEvent>> FetchesAsync(SiemAppFactory app, long jobId)
    {
        await using var db = app.CreateDb();
        return await db.Events.Where(e => e.JobId == jobId && e.Connection.DstPort == Port).ToListAsync();
    }

    private static double Share(IReadOnlyCollection<SecurityEvent> events, Func<SecurityEvent, bool> predicate) =>
        events.Count == 0 ? 0 : (double)events.Count(predicate) / events.Count;

    private static string Describe(IEnumerable<SecurityEvent> events) =>
        string.Join(", ", events.GroupBy(e => $"{e.Connection.Flag} {e.Label}{(e.Unknown ? $"(closest {e.ClosestLabel})" : "")} alert={e.IsAlert}").Select(g => $"{g.Key}: {g.Count()}"));
}
