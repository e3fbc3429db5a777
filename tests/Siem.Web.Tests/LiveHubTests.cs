using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Live;
using Siem.Web.Live;

namespace Siem.Web.Tests;

public sealed class LiveHubTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    private HubConnection Connect(string? key) => new HubConnectionBuilder()
        .WithUrl(new Uri(app.Server.BaseAddress, LiveHub.Path), options =>
        {
            options.Transports = HttpTransportType.LongPolling;
            options.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
            if (key is not null)
            {
                options.Headers["X-Api-Key"] = key;
            }
        })
        .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
        .Build();

    [Fact]
    public async Task A_signalr_client_receives_throttled_progress_counts_and_incidents()
    {
        var updates = new ConcurrentQueue<(DateTime At, LiveUpdate Update)>();
        await using var connection = Connect(SiemAppFactory.AdminKey);
        connection.On<LiveUpdate>(LiveHub.UpdateMethod, u => updates.Enqueue((DateTime.UtcNow, u)));
        await connection.StartAsync();

        var job = await app.ApiClient().UploadAndWaitAsync("live.csv", IngestTests.MixedFile(out var good, out _));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!updates.Any(u => u.Update.Jobs.Any(j => j.JobId == job.Id && j.Status == "Completed") && u.Update.Incidents.Count > 0)
               && !(updates.Any(u => u.Update.Jobs.Any(j => j.JobId == job.Id && j.Status == "Completed")) && updates.Any(u => u.Update.Incidents.Count > 0))
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var all = updates.ToArray();
        Assert.Contains(all, u => u.Update.Jobs.Any(j => j.JobId == job.Id && j.Status == "Completed" && j.Classified == good));
        Assert.Equal(good, all.Where(u => u.Update.Counts is not null).Sum(u => u.Update.Counts!.Total));
        Assert.True(all.Where(u => u.Update.Counts is not null).Sum(u => u.Update.Counts!.ByCategory.GetValueOrDefault("dos")) >= 26);
        Assert.Contains(all, u => u.Update.Incidents.Any(i => i.Label == "neptune" && i.Created));
        // Throttled: at most one push per broadcast interval over the run. (Counted over the whole span, not
        // per gap: a loaded machine can deliver two queued pushes back to back.)
        var span = all[^1].At - all[0].At;
        Assert.True(all.Length <= span / LiveBroadcaster.Interval + 2, $"{all.Length} updates in {span.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task The_hub_refuses_anonymous_clients()
    {
        await using var connection = Connect(key: null);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => connection.StartAsync());

        Assert.Contains("401", error.Message, StringComparison.Ordinal);
    }
}
