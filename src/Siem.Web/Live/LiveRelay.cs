using System.Text.Json;
using Siem.Store.Live;
using StackExchange.Redis;

namespace Siem.Web.Live;

/// <summary>
/// Several nodes on one Redis (<c>Siem:Redis</c>): what happens on this node (counts, job progress, incidents) is
/// published on a Redis channel, and what other nodes publish there reaches this node's pages (Home, Upload,
/// Timeline, Breakdown) through <see cref="LiveNotifier.PublishRemote"/>, so a web-only node's pages move with the
/// ingest nodes' work. Hub clients get it through the SignalR backplane instead.
/// </summary>
public sealed class LiveRelay(LiveNotifier notifier, IConfiguration configuration, ILogger<LiveRelay> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>This process on the channel (not Siem:Node:Name, which two instances may share by mistake).</summary>
    private readonly string _instance = Guid.NewGuid().ToString("N");

    private static readonly RedisChannel Channel = RedisChannel.Literal("siem:live:pages");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private ConnectionMultiplexer? _redis;
    private IDisposable? _subscription;

    private sealed record Message(string Node, LiveUpdate Update);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var node = _instance;
        _redis = await ConnectionMultiplexer.ConnectAsync(configuration["Siem:Redis"]!);
        var subscriber = _redis.GetSubscriber();
        await subscriber.SubscribeAsync(Channel, (_, value) =>
        {
            try
            {
                if (JsonSerializer.Deserialize<Message>(value.ToString(), Json) is { } message && message.Node != node)
                {
                    notifier.PublishRemote(message.Update);
                }
            }
            catch (JsonException e)
            {
                logger.LogWarning(e, "Ignored a live update on Redis that does not parse");
            }
        });
        _subscription = notifier.Subscribe(async update =>
        {
            try
            {
                await subscriber.PublishAsync(Channel, JsonSerializer.Serialize(new Message(node, update), Json));
            }
            catch (RedisException e)
            {
                logger.LogWarning(e, "Could not relay a live update to the other nodes");
            }
        }, localOnly: true);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        if (_redis is not null)
        {
            await _redis.GetSubscriber().UnsubscribeAsync(Channel);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
