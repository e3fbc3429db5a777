using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Live;
using Siem.Store.Persistence;
using Siem.TestSupport;
using Siem.Web.Live;

namespace Siem.Web.Tests;

/// <summary>
/// Two instances on one store (a shared SQLite file, or one PostgreSQL database) and one real Redis: node A (web and
/// ingest) takes an upload, node B (web only) runs no workers, and a hub client connected to B sees A's job progress
/// and incidents through the SignalR Redis backplane, and its pages through the live relay.
/// </summary>
public sealed class TwoNodeTests
{
    [RequiresProgramsTheory("redis-server")]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task A_hub_client_on_a_web_node_sees_the_progress_and_incidents_of_an_upload_on_the_ingest_node(StoreProvider provider)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var ingestNode = SiemAppFactory.On(provider);
        ingestNode.Settings["Siem:Redis"] = redis.ConnectionString;
        var onIngestNode = ingestNode.ApiClient();
        await using var webNode = ingestNode.AnotherNode();
        webNode.Settings["Siem:Redis"] = redis.ConnectionString;
        webNode.Settings["Siem:Node:Roles"] = "web";
        var updates = new ConcurrentQueue<LiveUpdate>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(webNode.Server.BaseAddress, LiveHub.Path), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => webNode.Server.CreateHandler();
                o.Headers["X-Api-Key"] = SiemAppFactory.AdminKey;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .Build();
        hub.On<LiveUpdate>(LiveHub.UpdateMethod, updates.Enqueue);
        await hub.StartAsync();
        // What the web node's pages subscribe to (Home, Upload, Timeline, Breakdown): the ingest node's work relayed through Redis.
        var pageUpdates = new ConcurrentQueue<LiveUpdate>();
        using var page = webNode.Services.GetRequiredService<LiveNotifier>().Subscribe(u =>
        {
            pageUpdates.Enqueue(u);
            return Task.CompletedTask;
        });

        var job = await onIngestNode.UploadAndWaitAsync("floods.csv", RiskIncidentTests.Floods(DateTimeOffset.UtcNow.AddMinutes(-3), (0, "10.0.0.41", 20)));
        await ingestNode.WaitForCorrelationAsync();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(updates.Any(u => u.Jobs.Any(j => j.JobId == job.Id && j.Status == "Completed")) && updates.Any(u => u.Incidents.Any(i => i.Created))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the web node's hub client got {updates.Count} updates, not the job's end and the incident");
            await Task.Delay(50);
        }

        Assert.Contains(updates, u => u.Incidents.Any(i => i.DstHost == "10.0.0.41" && i.Label == "neptune" && i.Created));
        Assert.Equal(20, updates.Where(u => u.Counts is not null).Sum(u => u.Counts!.Total));
        while (!(pageUpdates.Any(u => u.Jobs.Any(j => j.JobId == job.Id && j.Status == "Completed")) && pageUpdates.Any(u => u.Incidents.Any(i => i.Created))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the web node's pages got {pageUpdates.Count} updates, not the job's end and the incident");
            await Task.Delay(50);
        }

        Assert.Contains(pageUpdates, u => u.Incidents.Any(i => i.DstHost == "10.0.0.41" && i.Created));
        Assert.Equal(20, pageUpdates.Where(u => u.Counts is not null).Sum(u => u.Counts!.Total));
        // The web node ran no job and no correlation: the store has one incident, made once.
        await using var db = webNode.CreateDb();
        Assert.Equal(1, db.Incidents.Count());
        Assert.Equal(20, db.Events.Count());
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task An_upload_to_a_web_node_is_run_once_by_an_ingest_node_which_also_takes_over_a_dead_nodes_job(StoreProvider provider)
    {
        await using var webNode = SiemAppFactory.On(provider);
        webNode.Settings["Siem:Node:Roles"] = "web";
        webNode.Settings["Siem:Node:Name"] = "web-1";
        var onWebNode = webNode.ApiClient();
        var waiting = await UploadAsync(onWebNode, "monday.csv", 30);
        var abandoned = await UploadAsync(onWebNode, "tuesday.csv", 40);
        await using (var db = webNode.CreateDb())
        {
            // As a node that died mid-job leaves it: running, claimed, its heartbeat five minutes old.
            await db.Jobs.Where(j => j.Id == abandoned).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, Siem.Store.Persistence.JobStatus.Running).SetProperty(j => j.ClaimedBy, "ingest-dead")
                .SetProperty(j => j.HeartbeatUtc, DateTime.UtcNow.AddMinutes(-5)));
            Assert.Equal("Queued", (await onWebNode.GetFromJsonAsync<Siem.Store.Ingest.JobView>($"/api/jobs/{waiting}", ApiHelpers.Json))!.Status);
        }

        await using var ingestNode = webNode.AnotherNode();
        ingestNode.Settings["Siem:Node:Name"] = "ingest-2";
        ingestNode.Settings["Siem:Node:JobPollInterval"] = "00:00:00.100";
        _ = ingestNode.Server;

        Assert.Equal(("Completed", 30L), await FinishedAsync(onWebNode, waiting));
        Assert.Equal(("Completed", 40L), await FinishedAsync(onWebNode, abandoned));
        await using var check = webNode.CreateDb();
        Assert.Equal(70, check.Events.Count());
        Assert.Equal(70, check.Events.Select(e => new { e.JobId, e.Line }).Distinct().Count());
    }

    private static async Task<long> UploadAsync(HttpClient client, string name, int records)
    {
        var csv = string.Concat(Enumerable.Range(0, records).Select(i => KddFixtures.ToCsvLine(KddFixtures.NormalHttp(i)) + "\n"));
        var response = await client.UploadAsync(name, csv);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Siem.Store.Ingest.JobView>(ApiHelpers.Json))!.Id;
    }

    private static async Task<(string, long)> FinishedAsync(HttpClient client, long id)
    {
        var job = await client.WaitForJobAsync(id);
        return (job.Status, job.Classified);
    }

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task Two_ingest_nodes_run_each_job_once_and_one_of_them_correlates_so_each_host_gets_one_incident(StoreProvider provider)
    {
        await using var first = SiemAppFactory.On(provider);
        first.Settings["Siem:Node:Name"] = "ingest-1";
        first.Settings["Siem:Node:JobPollInterval"] = "00:00:00.100";
        var onFirst = first.ApiClient();
        await using var second = first.AnotherNode();
        second.Settings["Siem:Node:Name"] = "ingest-2";
        second.Settings["Siem:Node:JobPollInterval"] = "00:00:00.100";
        var onSecond = second.ApiClient();

        // The same hosts attacked in uploads to both nodes, at the same times: correlated twice, they would open two incidents each.
        var start = DateTimeOffset.UtcNow.AddMinutes(-30);
        var uploads = await Task.WhenAll(
            onFirst.UploadAndWaitAsync("a.csv", RiskIncidentTests.Floods(start, (0, "10.0.0.51", 20), (0, "10.0.0.52", 20))),
            onSecond.UploadAndWaitAsync("b.csv", RiskIncidentTests.Floods(start, (30, "10.0.0.51", 20), (30, "10.0.0.52", 20))));
        Assert.All(uploads, job => Assert.Equal(("Completed", 40L), (job.Status, job.Classified)));
        await first.WaitForCorrelationAsync();

        await using var db = first.CreateDb();
        var incidents = await db.Incidents.OrderBy(i => i.DstHost).Select(i => new { i.DstHost, i.AlertCount }).ToListAsync();
        Assert.Equal([("10.0.0.51", 40L), ("10.0.0.52", 40L)], incidents.Select(i => (i.DstHost, i.AlertCount)));
        Assert.Equal(80, await db.Events.CountAsync());
        var lease = await db.Leases.SingleAsync(l => l.Name == Siem.Store.StoreLeases.Correlation);
        Assert.True(lease.Holder is "ingest-1" or "ingest-2", lease.Holder);
    }
}
