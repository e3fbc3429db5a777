using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Siem.Store.Live;

namespace Siem.Web.Live;

/// <summary>
/// <c>/hubs/live</c> for external clients. Server-to-client only: "update" with a <see cref="LiveUpdate"/>
/// (counts by label and category, job progress, new and updated incidents), at most 4 a second.
/// </summary>
[Authorize]
public sealed class LiveHub : Hub
{
    public const string Path = "/hubs/live";
    public const string UpdateMethod = "update";
}

/// <summary>
/// The hub is one more subscriber of the live notifier: every update made on this node goes to all connected clients
/// (with Redis, on every node, through the SignalR backplane; so not what other nodes relayed here).
/// </summary>
public sealed class LiveHubBridge(LiveNotifier notifier, IHubContext<LiveHub> hub, ILogger<LiveHubBridge> logger) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = notifier.Subscribe(SendAsync, localOnly: true);
        return Task.CompletedTask;
    }

    private async Task SendAsync(LiveUpdate update)
    {
        try
        {
            await hub.Clients.All.SendAsync(LiveHub.UpdateMethod, update);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not push a live update to hub clients");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
