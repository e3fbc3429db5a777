using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Ingest;
using Siem.TestSupport;

namespace Siem.Web.Tests.Sensors;

/// <summary>The running app's NetFlow v9 / IPFIX collector, fed by softflowd and by hand-made (and broken) datagrams.</summary>
public sealed class FlowCollectorTests
{
    private static SiemAppFactory App(params (string Key, string Value)[] settings)
    {
        var app = new SiemAppFactory();
        app.Settings["Siem:Flows:Port"] = "0";
        app.Settings["Siem:Flows:AllowedExporters:0"] = "127.0.0.1";
        app.Settings["Siem:Flows:StitchWait"] = "00:00:00.100";
        foreach (var (key, value) in settings)
        {
            app.Settings[key] = value;
        }

        return app;
    }

    [RequiresProgramsTheory("softflowd")]
    [InlineData(9, "NetFlow v9")]
    [InlineData(10, "IPFIX")]
    public async Task Softflowd_exports_of_a_capture_become_events_with_their_endpoints_bytes_and_flags(int version, string format)
    {
        await using var app = App();
        var client = app.ApiClient();
        var port = await app.Services.GetRequiredService<FlowCollector>().Listening;
        using var folder = new TempDirectory();
        var pcap = folder.File("web.pcap");
        var start = Math.Floor(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60.0);
        new CaptureBuilder()
            .HttpSession(start, "192.168.1.10", 50000, "192.168.1.20", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + new string('x', 300))
            .Tcp(start + 1, "10.0.0.66", 40001, "10.0.0.1", 23, Tcp.Syn)
            .Tcp(start + 1.5, "10.0.0.66", 40002, "10.0.0.1", 25, Tcp.Syn)
            .Tcp(start + 1.501, "10.0.0.1", 25, "10.0.0.66", 40002, Tcp.Rst)
            .WritePcap(pcap);

        await Softflowd.ExportAsync(pcap, port, version);

        var events = await WaitForEventsAsync(app, 3);
        Assert.Equal(
            [
                "192.168.1.10:50000 -> 192.168.1.20:80 tcp http SF 27/340",
                "10.0.0.66:40001 -> 10.0.0.1:23 tcp telnet S0 0/0",
                "10.0.0.66:40002 -> 10.0.0.1:25 tcp smtp REJ 0/0",
            ],
            events.Select(e => $"{e.Connection.SrcIp}:{e.Connection.SrcPort} -> {e.Connection.DstIp}:{e.Connection.DstPort} {e.Connection.ProtocolType} {e.Connection.Service} {e.Connection.Flag} {e.Connection.SrcBytes}/{e.Connection.DstBytes}"));
        Assert.All(events, e => Assert.StartsWith("1:", e.Connection.CommunityId));
        Assert.Equal(start * 1000, events[0].TimeMs, 1000.0); // v9 anchors to whole seconds

        var status = (await client.GetFromJsonAsync<FlowCollectorStatus>("/api/flows", ApiHelpers.Json))!;
        var exporter = Assert.Single(status.Exporters);
        Assert.Equal(("127.0.0.1", format, 3L), (exporter.Address, exporter.Format, exporter.Records));
        Assert.Equal((0L, 0L, 0L, 3L), (status.Dropped, status.Malformed, status.UnknownTemplateSets, status.Stored));
        var job = (await client.GetFromJsonAsync<JobView>($"/api/jobs/{exporter.JobId}", ApiHelpers.Json))!;
        Assert.Equal(($"stream: {format} from 127.0.0.1", format), (job.FileName, job.Format));
        var found = (await client.GetFromJsonAsync<JsonElement>("/api/events?q=" + Uri.EscapeDataString("service:smtp"))).GetProperty("items").EnumerateArray().Single();
        Assert.Equal((format, job.FileName), (found.GetProperty("format").GetString(), found.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task Broken_datagrams_unknown_templates_and_strangers_are_counted_and_good_flows_still_arrive()
    {
        await using var app = App();
        var port = await app.Services.GetRequiredService<FlowCollector>().Listening;
        using var sender = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var collector = new IPEndPoint(IPAddress.Loopback, port);

        await sender.SendAsync(new byte[] { 0, 9, 0 }, collector); // too short
        await sender.SendAsync(new byte[] { 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, collector); // NetFlow v5
        var lying = NetFlowV9.Datagram(withTemplate: true, NetFlowV9.Flow(1));
        BinaryPrimitives.WriteUInt16BigEndian(lying.AsSpan(22), 9999); // the template set claims more than the datagram holds
        await sender.SendAsync(lying, collector);
        await sender.SendAsync(NetFlowV9.Datagram(withTemplate: false, NetFlowV9.Flow(2)), collector); // data before its template
        using (var stranger = new UdpClient(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0)))
        {
            await stranger.SendAsync(NetFlowV9.Datagram(withTemplate: true, NetFlowV9.Flow(3)), collector);
        }

        await sender.SendAsync(NetFlowV9.Datagram(withTemplate: true, NetFlowV9.Flow(4), NetFlowV9.Flow(5)), collector);

        var events = await WaitForEventsAsync(app, 2);
        Assert.Equal([40004, 40005], events.Select(e => e.Connection.SrcPort!.Value));
        var status = app.Services.GetRequiredService<FlowCollector>().Status();
        Assert.Equal((6L, 1L, 3L, 1L, 2L), (status.Datagrams, status.Refused, status.Malformed, status.UnknownTemplateSets, status.Stored));
    }

    [Fact]
    public async Task A_flood_beyond_the_queue_drops_whole_datagrams_counted_and_loses_nothing_else()
    {
        await using var app = App(("Siem:Flows:QueueDatagrams", "4"), ("Siem:Flows:BatchSize", "5"), ("Siem:Ingest:StreamQueueBatches", "1"));
        var flows = app.Services.GetRequiredService<FlowCollector>();
        var port = await flows.Listening;
        var ingest = app.Services.GetRequiredService<StreamIngest>();
        ingest.PauseWriting(); // the store falls behind: the decoder waits, the datagram queue fills, then datagrams are dropped
        using var sender = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        const int Sent = 200, PerDatagram = 5;
        for (var d = 0; d < Sent; d++)
        {
            await sender.SendAsync(NetFlowV9.Datagram(withTemplate: true, [.. Enumerable.Range(0, PerDatagram).Select(i => NetFlowV9.Flow(d * PerDatagram + i))]),
                new IPEndPoint(IPAddress.Loopback, port));
        }

        var read = await PollAsync(() => flows.Status(), s => s.Datagrams + s.KernelDropped == Sent);
        Assert.True(read.Dropped > 0, "the queue of 4 datagrams overflowed while the writer was held");
        ingest.ResumeWriting();

        var expected = (int)(Sent - read.Dropped - read.KernelDropped) * PerDatagram;
        var events = await WaitForEventsAsync(app, expected);
        Assert.Equal(expected, events.Select(e => e.Connection.SrcPort).Distinct().Count()); // each flow once
        Assert.Equal(expected, events.Select(e => e.Line).Distinct().Count());
        var status = flows.Status();
        Assert.Equal((expected, expected), ((int)status.Records, (int)status.Stored));
    }

    private static async Task<List<Store.Persistence.SecurityEvent>> WaitForEventsAsync(SiemAppFactory app, int count)
    {
        return await PollAsync(
            async () =>
            {
                await using var db = app.CreateDb();
                return await db.Events.AsNoTracking().OrderBy(e => e.TimeMs).ThenBy(e => e.Line).ToListAsync();
            },
            events => events.Count >= count);
    }

    private static Task<T> PollAsync<T>(Func<T> read, Func<T, bool> done) => PollAsync(() => Task.FromResult(read()), done);

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }
}
