using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Live;
using Siem.TestSupport;
using Siem.Web.Live;

namespace Siem.Web.Tests;

/// <summary>
/// Two instances on one store and one real Redis: node A (web and ingest) takes an upload, node B (web only) runs no
/// workers, and a hub client connected to B sees A's job progress and incidents through the SignalR Redis backplane.
/// </summary>
public sealed class TwoNodeTests
{
    [RequiresProgramsFact("redis-server")]
    public async Task A_hub_client_on_a_web_node_sees_the_progress_and_incidents_of_an_upload_on_the_ingest_node()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var ingestNode = new SiemAppFactory();
        ingestNode.Settings["Siem:Redis"] = redis.ConnectionString;
        var onIngestNode = ingestNode.ApiClient();
        await using var webNode = new SiemAppFactory();
        webNode.Settings["Siem:DataDir"] = ingestNode.DataDir;
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
        // The web node ran no job and no correlation: the store has one incident, made once.
        await using var db = webNode.CreateDb();
        Assert.Equal(1, db.Incidents.Count());
        Assert.Equal(20, db.Events.Count());
    }
}
