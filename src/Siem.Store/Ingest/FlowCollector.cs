using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Siem.Capture.Flows;
using Siem.Detection.Reading;
using Siem.Domain.Records;
using Siem.Store.Models;

namespace Siem.Store.Ingest;

/// <summary>One exporter as the collector has seen it.</summary>
public sealed record FlowExporterView(string Address, string Format, long Datagrams, long Records, long JobId, DateTimeOffset LastSeen);

/// <summary>What the collector has received, decoded, stored and lost, and why.</summary>
/// <param name="Dropped">Datagrams dropped because the decode queue was full (the store fell behind).</param>
/// <param name="KernelDropped">Datagrams the kernel dropped before the collector could read them (Linux's count for the socket).</param>
/// <param name="Refused">Datagrams from addresses not in <c>Siem:Flows:AllowedExporters</c>.</param>
/// <param name="NotKdd">Flows of protocols other than TCP, UDP and ICMP (KDD has no features for them).</param>
public sealed record FlowCollectorStatus(
    bool Enabled, int? Port, IReadOnlyList<string> AllowedExporters, long Datagrams, long Refused, long Dropped, long KernelDropped,
    long Malformed, long UnknownTemplateSets, long Flows, long NotKdd, long Records, long Stored, IReadOnlyList<FlowExporterView> Exporters, string? LastProblem);

/// <summary>
/// The NetFlow v9 / IPFIX collector (<c>Siem:Flows</c>). A receive loop only copies each datagram into a bounded
/// queue, so the socket is drained quickly; when the queue is full the datagram is dropped and counted. A single
/// decoder loop decodes, pairs both directions (<see cref="FlowStitcher"/>), describes each connection with its
/// exporter's traffic windows (<see cref="FlowDescriber"/>), and hands batches to the stream writer, waiting while it
/// is behind: that wait is the backpressure, and what it costs shows as dropped datagrams, never as lost records.
/// Each exporter and protocol version is a stream job of its own ("NetFlow v9 from 10.0.0.1").
/// </summary>
public sealed class FlowCollector(StreamIngest ingest, ActiveModel models, TimeProvider time, IOptions<SiemOptions> options, ILogger<FlowCollector> logger)
    : BackgroundService
{
    private readonly FlowOptions _settings = options.Value.Flows;
    private readonly Dictionary<(IPAddress, int), ExporterState> _exporters = [];
    private readonly Lock _exportersLock = new();
    private Channel<ReceivedDatagram>? _queue;
    private Channel<RecordBatch>? _classifying;
    private IReadOnlyList<(IPAddress Network, int PrefixLength)> _allowed = [];
    private int? _port;
    private long _datagrams, _refused, _dropped, _malformed, _unknownTemplates, _flows, _notKdd, _records, _stored;
    private string? _lastProblem;
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the bound port once the collector listens (tests configure port 0).</summary>
    public Task<int> Listening => _listening.Task;

    public FlowCollectorStatus Status()
    {
        List<FlowExporterView> exporters;
        lock (_exportersLock)
        {
            exporters = [.. _exporters.Values.Select(e => e.View()).OrderBy(e => e.Address, StringComparer.Ordinal).ThenBy(e => e.Format, StringComparer.Ordinal)];
        }

        return new FlowCollectorStatus(_settings.Port is not null, _port ?? _settings.Port, _settings.AllowedExporters,
            Interlocked.Read(ref _datagrams), Interlocked.Read(ref _refused), Interlocked.Read(ref _dropped), KernelDrops(),
            Interlocked.Read(ref _malformed), Interlocked.Read(ref _unknownTemplates), Interlocked.Read(ref _flows), Interlocked.Read(ref _notKdd),
            Interlocked.Read(ref _records), Interlocked.Read(ref _stored), exporters, _lastProblem);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings.Port is not { } port)
        {
            return;
        }

        _allowed = _settings.ParseAllowed();
        var address = IPAddress.Parse(_settings.ListenAddress);
        using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.ReceiveBufferSize = _settings.ReceiveBufferBytes;
        socket.Bind(new IPEndPoint(address, port));
        _port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _queue = Channel.CreateBounded<ReceivedDatagram>(new BoundedChannelOptions(_settings.QueueDatagrams) { SingleReader = true, SingleWriter = true });
        logger.LogInformation("Flow collector listening on udp/{Port} for NetFlow v9 and IPFIX from {Exporters}", _port,
            _allowed.Count == 0 ? "any exporter (set Siem:Flows:AllowedExporters to restrict)" : string.Join(", ", _settings.AllowedExporters));
        _classifying = Channel.CreateBounded<RecordBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        _listening.TrySetResult(_port.Value);
        var classifying = Task.Run(() => ClassifyLoopAsync(_classifying.Reader, stoppingToken), stoppingToken);
        var decoding = Task.Run(() => DecodeLoopAsync(_queue.Reader, stoppingToken), stoppingToken);
        try
        {
            await ReceiveLoopAsync(socket, _queue.Writer, stoppingToken);
        }
        finally
        {
            _queue.Writer.TryComplete();
            await decoding.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _classifying.Writer.TryComplete();
            await classifying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, ChannelWriter<ReceivedDatagram> queue, CancellationToken stoppingToken)
    {
        var buffer = new byte[65_535];
        EndPoint any = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!stoppingToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue; // an ICMP error for an earlier send, or a datagram over 64 KiB: nothing to read
            }

            Interlocked.Increment(ref _datagrams);
            var exporter = ((IPEndPoint)received.RemoteEndPoint).Address;
            exporter = exporter.IsIPv4MappedToIPv6 ? exporter.MapToIPv4() : exporter;
            if (!IsAllowed(exporter))
            {
                Interlocked.Increment(ref _refused);
                continue;
            }

            if (!queue.TryWrite(new ReceivedDatagram(exporter, buffer.AsSpan(0, received.ReceivedBytes).ToArray(), time.GetUtcNow())))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private bool IsAllowed(IPAddress exporter) =>
        _allowed.Count == 0 || _allowed.Any(a => new IPNetwork(a.Network, a.PrefixLength).Contains(exporter));

    private async Task DecodeLoopAsync(ChannelReader<ReceivedDatagram> queue, CancellationToken stoppingToken)
    {
        var decoder = new FlowDecoder(_settings.TemplateLifetime, time);
        var flows = new List<ExportedFlow>();
        var interval = _settings.StitchWait / 2 > TimeSpan.FromMilliseconds(10) ? _settings.StitchWait / 2 : TimeSpan.FromMilliseconds(10);
        using var timer = new PeriodicTimer(interval, time);
        var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
        var read = queue.WaitToReadAsync(stoppingToken).AsTask();
        try
        {
            while (true)
            {
                if (await Task.WhenAny(read, tick) == read)
                {
                    if (!await read)
                    {
                        return;
                    }

                    while (queue.TryRead(out var datagram))
                    {
                        await DecodeAsync(decoder, datagram, flows, stoppingToken);
                    }

                    read = queue.WaitToReadAsync(stoppingToken).AsTask();
                }
                else
                {
                    await tick;
                    await FlushAsync(time.GetUtcNow() - _settings.StitchWait, stoppingToken);
                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DecodeAsync(FlowDecoder decoder, ReceivedDatagram datagram, List<ExportedFlow> flows, CancellationToken cancellationToken)
    {
        flows.Clear();
        var outcome = decoder.Decode(datagram.Bytes, datagram.Exporter, flows);
        if (outcome.Error is { } error)
        {
            Interlocked.Increment(ref _malformed);
            _lastProblem = $"{datagram.Exporter}: {error}";
            logger.LogDebug("Malformed flow datagram from {Exporter}: {Error}", datagram.Exporter, error);
        }

        if (outcome.UnknownTemplateSets > 0)
        {
            Interlocked.Add(ref _unknownTemplates, outcome.UnknownTemplateSets);
            _lastProblem = $"{datagram.Exporter}: data for a template it has not sent yet (it resends them periodically)";
        }

        if (outcome.Version is not (9 or 10))
        {
            return;
        }

        var state = await ExporterAsync(datagram.Exporter, outcome.Version, cancellationToken);
        state.Datagrams++;
        state.LastSeen = datagram.Arrival;
        Interlocked.Add(ref _flows, flows.Count);
        var arrival = datagram.Arrival.ToUnixTimeMilliseconds() / 1000.0;
        var done = new List<FlowSummary>();
        foreach (var flow in flows)
        {
            state.Stitcher.Add(flow, arrival, done);
        }

        await DescribeAsync(state, done, cancellationToken);
    }

    private async Task DescribeAsync(ExporterState state, List<FlowSummary> done, CancellationToken cancellationToken)
    {
        foreach (var summary in done)
        {
            if (state.Describer.Describe(summary) is not { } record)
            {
                Interlocked.Increment(ref _notKdd);
                continue;
            }

            state.Pending.Add(record);
            if (state.Pending.Count >= _settings.BatchSize)
            {
                await SendAsync(state, cancellationToken);
            }
        }
    }

    /// <summary>Records the directions that waited too long for their reverse, and stores every partial batch.</summary>
    private async Task FlushAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        List<ExporterState> states;
        lock (_exportersLock)
        {
            states = [.. _exporters.Values];
        }

        var done = new List<FlowSummary>();
        foreach (var state in states)
        {
            done.Clear();
            state.Stitcher.Expire(before.ToUnixTimeMilliseconds() / 1000.0, done);
            await DescribeAsync(state, done, cancellationToken);
            await SendAsync(state, cancellationToken);
        }
    }

    /// <summary>Numbers the exporter's pending records and hands them to the classifying stage (waiting while it is two batches behind).</summary>
    private async Task SendAsync(ExporterState state, CancellationToken cancellationToken)
    {
        if (state.Pending.Count == 0)
        {
            return;
        }

        var records = state.Pending;
        state.Pending = new List<ConnectionRecord>(_settings.BatchSize);
        state.Records += records.Count;
        await _classifying!.Writer.WriteAsync(new RecordBatch(state.Source, records), cancellationToken);
    }

    /// <summary>
    /// The second stage: classifies each batch and queues it for the stream writer, waiting while the writer is behind;
    /// decoding and describing go on in the first stage meanwhile, so the two use both cores.
    /// </summary>
    private async Task ClassifyLoopAsync(ChannelReader<RecordBatch> batches, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (source, records) in batches.ReadAllAsync(stoppingToken))
            {
                var model = models.Current;
                var first = source.Reserve(records.Count);
                var lines = records.Select((r, i) => ParsedLine.Ok(first + i, r)).ToList();
                var batch = new StreamBatch(source.JobId, lines, model.Classifier.Classify(records), model.VersionId, time.GetUtcNow().ToUnixTimeMilliseconds());
                await ingest.EnqueueAsync(batch, stoppingToken); // waits while the writer is behind: the queues before it absorb that, then datagrams drop
                Interlocked.Add(ref _records, records.Count);
                _ = CountStoredAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private sealed record RecordBatch(StreamSource Source, List<ConnectionRecord> Records);

    private async Task CountStoredAsync(StreamBatch batch)
    {
        try
        {
            var outcome = await batch.Stored.Task;
            Interlocked.Add(ref _stored, outcome.Classified);
        }
        catch (Exception e)
        {
            _lastProblem = $"a batch of {batch.Lines.Count} flow records could not be stored: {e.Message}";
            logger.LogError(e, "A batch of flow records could not be stored");
        }
    }

    private async Task<ExporterState> ExporterAsync(IPAddress exporter, int version, CancellationToken cancellationToken)
    {
        lock (_exportersLock)
        {
            if (_exporters.TryGetValue((exporter, version), out var known))
            {
                return known;
            }
        }

        var format = version == 9 ? InputFormats.NetFlowV9 : InputFormats.Ipfix;
        var source = await ingest.SourceAsync($"{format} from {exporter}", cancellationToken, format);
        var state = new ExporterState(exporter, format, source);
        lock (_exportersLock)
        {
            _exporters[(exporter, version)] = state;
        }

        logger.LogInformation("Flow exporter {Exporter} ({Format}) is stream job {JobId}", exporter, format, source.JobId);
        return state;
    }

    /// <summary>Linux's count of datagrams the kernel dropped for this socket (its receive buffer was full); 0 elsewhere.</summary>
    private long KernelDrops()
    {
        if (_port is not { } port)
        {
            return 0;
        }

        long drops = 0;
        foreach (var table in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = columns.Length > 1 ? columns[1] : "";
                if (local.EndsWith($":{port:X4}", StringComparison.Ordinal)
                    && long.TryParse(columns[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    drops += count;
                }
            }
        }

        return drops;
    }

    private sealed record ReceivedDatagram(IPAddress Exporter, byte[] Bytes, DateTimeOffset Arrival);

    private sealed class ExporterState(IPAddress address, string format, StreamSource source)
    {
        public StreamSource Source { get; } = source;
        public FlowStitcher Stitcher { get; } = new();
        public FlowDescriber Describer { get; } = new();
        public List<ConnectionRecord> Pending { get; set; } = [];
        public long Datagrams { get; set; }
        public long Records { get; set; }
        public DateTimeOffset LastSeen { get; set; }

        public FlowExporterView View() => new(address.ToString(), format, Datagrams, Records, Source.JobId, LastSeen);
    }
}
