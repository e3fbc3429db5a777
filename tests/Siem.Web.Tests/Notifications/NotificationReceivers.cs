using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using MimeKit;
using Siem.TestSupport;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Siem.Web.Tests.Notifications;

/// <summary>A request a <see cref="WebhookReceiver"/> got.</summary>
internal sealed record ReceivedRequest(string Method, string Body, IReadOnlyDictionary<string, string?> Headers);

/// <summary>A real HTTP listener on a free loopback port: answers each request with the next scripted status (200 when the script is done) and hands over what it got.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<HttpStatusCode> _script;
    private readonly Channel<ReceivedRequest> _received = Channel.CreateUnbounded<ReceivedRequest>();
    private readonly Task _serving;

    public WebhookReceiver(params HttpStatusCode[] answers)
    {
        _script = new(answers);
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hooks/siem";

    /// <summary>The next request received (fails after the timeout).</summary>
    public async Task<ReceivedRequest> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        return await _received.Reader.ReadAsync(cancel.Token);
    }

    public bool TryTake(out ReceivedRequest? request) => _received.Reader.TryRead(out request);

    private async Task ServeAsync()
    {
        try
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync();
                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(k => k, k => context.Request.Headers[k], StringComparer.OrdinalIgnoreCase);
                var status = _script.TryDequeue(out var scripted) ? scripted : HttpStatusCode.OK;
                context.Response.StatusCode = (int)status;
                await using (var writer = new StreamWriter(context.Response.OutputStream))
                {
                    await writer.WriteAsync(status == HttpStatusCode.OK ? "{\"ok\":true}" : "try later");
                }

                context.Response.Close();
                await _received.Writer.WriteAsync(new ReceivedRequest(context.Request.HttpMethod, body, headers));
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // stopped
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving;
    }
}

/// <summary>A real SMTP server (the SmtpServer package) on a free loopback port that keeps every message it accepts.</summary>
internal sealed class SmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Channel<MimeMessage> _messages;
    private readonly Task _serving;

    private SmtpSink(int port, CancellationTokenSource stop, Channel<MimeMessage> messages, Task serving) =>
        (Port, _stop, _messages, _serving) = (port, stop, messages, serving);

    public int Port { get; }

    public static async Task<SmtpSink> StartAsync()
    {
        var port = FreePort.Next();
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Port(port).Build();
        var messages = Channel.CreateUnbounded<MimeMessage>();
        var services = new ServiceProvider();
        services.Add(new Store(messages.Writer));
        var stop = new CancellationTokenSource();
        var serving = new SmtpServer.SmtpServer(options, services).StartAsync(stop.Token);
        await FreePort.WaitUntilListeningAsync(port);
        return new SmtpSink(port, stop, messages, serving);
    }

    public async Task<MimeMessage> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        return await _messages.Reader.ReadAsync(cancel.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _serving;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed class Store(ChannelWriter<MimeMessage> messages) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            await messages.WriteAsync(await MimeMessage.LoadAsync(stream, cancellationToken), cancellationToken);
            return SmtpResponse.Ok;
        }
    }
}
