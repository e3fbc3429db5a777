using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Siem.Cli.Replay;

namespace Siem.Bench;

/// <summary>
/// `flows [connections]`: NetFlow v9 into the running app's collector, as fast as it stores them (the sender keeps at
/// most 50,000 flows ahead of what is stored, so nothing is dropped): connections/s decoded, stitched (both directions
/// sent, as routers do), described, classified and stored; next to the same number of KDD CSV records streamed through
/// POST /api/ingest in the same run (the pipeline without the collector). Three rounds each, medians.
/// </summary>
internal static class FlowBenchmark
{
    private const int ConnectionsPerDatagram = 15; // 30 flow records of 45 bytes: a 1,400-byte datagram, as routers send

    public static async Task<int> RunAsync(string? connectionsArgument)
    {
        var connections = connectionsArgument is null ? 300_000 : int.Parse(connectionsArgument, System.Globalization.CultureInfo.InvariantCulture);
        var work = Directory.CreateTempSubdirectory("siem-flow-bench-").FullName;
        try
        {
            var port = Siem.TestSupport.FreePort.Next();
            var environment = new Dictionary<string, string> { ["Siem__Flows__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Siem__Flows__QueueDatagrams"] = "100000" };
            await using var server = await BenchServer.StartAsync(Path.Combine(work, "app-data"), environment: environment);
            using var http = server.CreateClient();
            var csv = Path.Combine(work, "records.csv");
            await File.WriteAllBytesAsync(csv, BenchData.FirstLines(connections));
            using var sender = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var collector = new IPEndPoint(IPAddress.Loopback, port);

            await SendFlowsAsync(http, sender, collector, 20_000, 0); // warm-up: JIT, model session
            await new Replayer(http).RunAsync(new ReplayOptions(csv, null, false, 2000, InFlight: 2), CancellationToken.None);
            var flowRates = new List<double>();
            var ingestRates = new List<double>();
            for (var round = 1; round <= 3; round++)
            {
                var cpu = server.CpuSeconds();
                var (elapsed, dropped) = await SendFlowsAsync(http, sender, collector, connections, round * 1_000_000);
                var flowRate = connections / elapsed.TotalSeconds;
                var flowCpu = server.CpuSeconds() - cpu;
                var replay = await new Replayer(http).RunAsync(new ReplayOptions(csv, null, false, 2000, InFlight: 4), CancellationToken.None);
                var ingestRate = replay.Accepted / replay.Elapsed.TotalSeconds;
                flowRates.Add(flowRate);
                ingestRates.Add(ingestRate);
                Console.WriteLine($"round {round}: NetFlow v9 {connections:N0} connections ({2 * connections:N0} flow records) stored in {elapsed.TotalSeconds:F2}s = {flowRate:N0} connections/s "
                                  + $"(app CPU {flowCpu:F1}s, {dropped} datagrams dropped); /api/ingest {replay.Accepted:N0} records in {replay.Elapsed.TotalSeconds:F2}s = {ingestRate:N0} records/s; ratio {flowRate / ingestRate:F2}");
            }

            var median = flowRates.Order().ElementAt(1);
            Console.WriteLine($"median: {median:N0} connections/s ({2 * median:N0} flow records/s) through the collector; {ingestRates.Order().ElementAt(1):N0} records/s through /api/ingest; "
                              + $"ratio {flowRates.Zip(ingestRates, (f, i) => f / i).Order().ElementAt(1):F2}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Sends <paramref name="connections"/> as pairs of flow records and waits until the collector has stored them all.</summary>
    private static async Task<(TimeSpan Elapsed, long Dropped)> SendFlowsAsync(HttpClient http, UdpClient sender, IPEndPoint collector, int connections, int offset)
    {
        var before = await StatusAsync(http);
        var target = before.Stored + connections;
        var clock = Stopwatch.StartNew();
        var status = before;
        for (var sent = 0; sent < connections; sent += ConnectionsPerDatagram)
        {
            while (before.Stored + sent - status.Stored > 50_000)
            {
                await Task.Delay(5);
                status = await StatusAsync(http);
            }

            await sender.SendAsync(Datagram(offset + sent, Math.Min(ConnectionsPerDatagram, connections - sent), withTemplate: sent % (20 * ConnectionsPerDatagram) == 0), collector);
        }

        while (status.Stored < target)
        {
            await Task.Delay(5);
            status = await StatusAsync(http);
            if (status.Dropped > before.Dropped && status.Stored + (status.Dropped - before.Dropped) * ConnectionsPerDatagram >= target)
            {
                break;
            }
        }

        return (clock.Elapsed, status.Dropped - before.Dropped);
    }

    private static async Task<(long Stored, long Dropped)> StatusAsync(HttpClient http)
    {
        var status = await http.GetFromJsonAsync<JsonElement>("api/flows");
        return (status.GetProperty("stored").GetInt64(), status.GetProperty("dropped").GetInt64());
    }

    private static readonly (ushort Type, ushort Length)[] Fields = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (1, 4), (2, 4), (22, 4), (21, 4), (10, 4), (14, 4), (5, 1), (61, 1), (60, 1), (136, 1), (16, 2)];
    private static readonly int RecordLength = Fields.Sum(f => f.Length);

    /// <summary>A v9 datagram of <paramref name="count"/> web connections, each as a client and a server flow.</summary>
    private static byte[] Datagram(int first, int count, bool withTemplate)
    {
        var templateLength = withTemplate ? 8 + Fields.Length * 4 : 0;
        var dataLength = 4 + 2 * count * RecordLength;
        var bytes = new byte[20 + templateLength + (dataLength + 3) / 4 * 4];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, 9);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)(2 * count + (withTemplate ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], 100_000_000);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var at = 20;
        if (withTemplate)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], (ushort)templateLength);
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 4)..], 256);
            BinaryPrimitives.WriteUInt16BigEndian(span[(at + 6)..], (ushort)Fields.Length);
            for (var i = 0; i < Fields.Length; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span[(at + 8 + i * 4)..], Fields[i].Type);
                BinaryPrimitives.WriteUInt16BigEndian(span[(at + 10 + i * 4)..], Fields[i].Length);
            }

            at += templateLength;
        }

        BinaryPrimitives.WriteUInt16BigEndian(span[at..], 256);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 2)..], (ushort)((dataLength + 3) / 4 * 4));
        at += 4;
        for (var c = 0; c < count; c++)
        {
            var n = first + c;
            var client = new byte[] { 10, (byte)(n >> 16), (byte)(n >> 8), (byte)n };
            var server = new byte[] { 192, 168, 1, (byte)(n % 50) };
            var clientPort = (ushort)(1024 + n % 60_000);
            var uptime = (uint)(99_000_000 + n % 1_000_000);
            at = Record(span, at, client, server, clientPort, 80, 0x1B, 6 * 52 + 420, 6, uptime); // SYN, PSH, ACK, FIN
            at = Record(span, at, server, client, 80, clientPort, 0x1B, 5 * 52 + 9_000, 5, uptime + 1);
        }

        return bytes;
    }

    private static int Record(Span<byte> span, int at, byte[] source, byte[] destination, ushort sourcePort, ushort destinationPort, byte flags, uint octets, uint packets, uint uptime)
    {
        source.CopyTo(span[at..]);
        destination.CopyTo(span[(at + 4)..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 8)..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(span[(at + 10)..], destinationPort);
        span[at + 12] = 6;
        span[at + 13] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + 14)..], octets);
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + 18)..], packets);
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + 22)..], uptime);
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + 26)..], uptime + 150);
        return at + RecordLength; // the remaining fields (interfaces, tos, direction, version, end reason, AS) stay 0
    }
}
