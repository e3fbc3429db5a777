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
}
