using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

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

/// <summary>Drains the notifier at a fixed rate and fans out to in-process subscribers and hub clients.</summary>
public sealed class LiveBroadcaster(LiveNotifier notifier, IHubContext<LiveHub> hub, TimeProvider time, ILogger<LiveBroadcaster> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (notifier.Drain(time.GetUtcNow()) is not { } update)
            {
                continue;
            }

            try
            {
                await hub.Clients.All.SendAsync(LiveHub.UpdateMethod, update, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not push a live update to hub clients");
            }

            await notifier.DispatchAsync(update, logger);
        }
    }
}
