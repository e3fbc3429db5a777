using System.Buffers.Binary;
using System.Net;
using Siem.Capture.Flows;
using Siem.TestSupport;

namespace Siem.Capture.Tests.Sensors;

public sealed class FlowDecoderTests
{
    private static readonly IPAddress Router = IPAddress.Parse("10.9.9.9");

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_template_not_resent_within_its_lifetime_is_forgotten_until_the_exporter_sends_it_again()
    {
        var clock = new ManualClock();
        var decoder = new FlowDecoder(TimeSpan.FromMinutes(30), clock);
        var flows = new List<ExportedFlow>();

        Assert.Equal(1, decoder.Decode(NetFlowV9.Datagram(withTemplate: true, NetFlowV9.Flow(1)), Router, flows).TemplatesLearned);
        clock.Now += TimeSpan.FromMinutes(29);
        Assert.Equal(0, decoder.Decode(NetFlowV9.Datagram(withTemplate: false, NetFlowV9.Flow(2)), Router, flows).UnknownTemplateSets);
        clock.Now += TimeSpan.FromMinutes(2);
        Assert.Equal(1, decoder.Decode(NetFlowV9.Datagram(withTemplate: false, NetFlowV9.Flow(3)), Router, flows).UnknownTemplateSets);
        Assert.Equal(1, decoder.Decode(NetFlowV9.Datagram(withTemplate: false, NetFlowV9.Flow(4)), IPAddress.Parse("10.9.9.8"), flows).UnknownTemplateSets); // templates are per exporter
        decoder.Decode(NetFlowV9.Datagram(withTemplate: true, NetFlowV9.Flow(5)), Router, flows);

        Assert.Equal([40001, 40002, 40005], flows.Select(f => f.SourcePort));
        var flow = flows[0];
        Assert.Equal((IPAddress.Parse("10.1.0.1"), IPAddress.Parse("10.2.0.1"), 53, 17, 100L, 2L), (flow.Source, flow.Destination, flow.DestinationPort, flow.Protocol, flow.Octets, flow.Packets));
    }

    [Fact]
    public void Damaged_and_random_datagrams_are_reported_never_read_past()
    {
        var decoder = new FlowDecoder(TimeSpan.FromMinutes(30), TimeProvider.System);
        var good = NetFlowV9.Datagram(withTemplate: true, NetFlowV9.Flow(1), NetFlowV9.Flow(2));
        var random = new Random(7);
        var flows = new List<ExportedFlow>();
        var errors = 0;
        for (var i = 0; i < 20_000; i++)
        {
            // Every prefix of a good datagram, then good datagrams with a few bytes changed, then noise behind a valid version.
            byte[] datagram;
            if (i < good.Length)
            {
                datagram = good[..i];
            }
            else if (i < 10_000)
            {
                datagram = (byte[])good.Clone();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    datagram[random.Next(datagram.Length)] = (byte)random.Next(256);
                }
            }
            else
            {
                datagram = new byte[random.Next(4, 1500)];
                random.NextBytes(datagram);
                datagram[0] = 0;
                datagram[1] = (byte)(i % 2 == 0 ? 9 : 10);
            }

            flows.Clear();
            if (decoder.Decode(datagram, Router, flows).Error is not null)
            {
                errors++;
            }
        }

        Assert.InRange(errors, 20, 20_000); // at least every prefix shorter than the header; nothing thrown, nothing read past the end
        flows.Clear();
        var outcome = new FlowDecoder(TimeSpan.FromMinutes(30), TimeProvider.System).Decode(good, Router, flows);
        Assert.Equal((null, 2), (outcome.Error, flows.Count));
    }

    [Fact]
    public void An_ipfix_biflow_carries_both_directions_in_one_record()
    {
        var start = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var datagram = IpfixBiflow(start);
        var flows = new List<ExportedFlow>();

        var outcome = new FlowDecoder(TimeSpan.FromMinutes(30), TimeProvider.System).Decode(datagram, Router, flows);

        Assert.Equal((null, 0), (outcome.Error, outcome.UnknownTemplateSets));
        var flow = Assert.Single(flows);
        Assert.Equal(new BiflowReverse(4320, 8, 0x1B), flow.Reverse);
        var summaries = new List<FlowSummary>();
        new FlowStitcher().Add(flow, 0, summaries); // no waiting for a reverse flow: it came with this one
        var record = new FlowDescriber().Describe(Assert.Single(summaries))!;
        Assert.Equal(("10.0.0.5", 51000, "10.0.0.9", 80, "http", "SF", 500L, 4000L, 2.0),
            (record.SrcIp!.ToString(), record.SrcPort!.Value, record.DstIp!.ToString(), record.DstPort!.Value, record.Service, record.Flag, record.SrcBytes, record.DstBytes, record.Duration));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(start), record.Timestamp);
    }

    /// <summary>
    /// IPFIX with one template (forward elements, RFC 5103 reverse octets, packets and TCP flags under enterprise 29305,
    /// and an element of another enterprise to skip) and one web connection: 500 bytes up, 4,000 down, 2.5 s.
    /// </summary>
    private static byte[] IpfixBiflow(long startMs)
    {
        (ushort Type, ushort Length, uint Enterprise)[] fields =
        [
            (8, 4, 0), (12, 4, 0), (7, 2, 0), (11, 2, 0), (4, 1, 0), (152, 8, 0), (153, 8, 0), (1, 8, 0), (2, 8, 0), (6, 1, 0),
            (1, 8, 29305), (2, 8, 29305), (6, 1, 29305), (100, 4, 9),
        ];
        var template = new List<byte>();
        void U16(List<byte> to, int v) => to.AddRange([(byte)(v >> 8), (byte)v]);
        void U32(List<byte> to, long v) => to.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        void U64(List<byte> to, long v)
        {
            U32(to, v >> 32);
            U32(to, v & 0xFFFF_FFFF);
        }

        U16(template, 400);
        U16(template, fields.Length);
        foreach (var (type, length, enterprise) in fields)
        {
            U16(template, enterprise == 0 ? type : type | 0x8000);
            U16(template, length);
            if (enterprise != 0)
            {
                U32(template, enterprise);
            }
        }

        var record = new List<byte>();
        record.AddRange([10, 0, 0, 5, 10, 0, 0, 9]);
        U16(record, 51000);
        U16(record, 80);
        record.Add(6);
        U64(record, startMs);
        U64(record, startMs + 2500);
        U64(record, 10 * 40 + 500);
        U64(record, 10);
        record.Add(0x1B);
        U64(record, 8 * 40 + 4000);
        U64(record, 8);
        record.Add(0x1B);
        U32(record, 12345);

        var message = new List<byte>();
        U16(message, 10);
        U16(message, 0); // length, below
        U32(message, startMs / 1000 + 5);
        U32(message, 1);
        U32(message, 0);
        U16(message, 2);
        U16(message, 4 + template.Count);
        message.AddRange(template);
        U16(message, 400);
        U16(message, 4 + record.Count);
        message.AddRange(record);
        var bytes = message.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)bytes.Length);
        return bytes;
    }
}
