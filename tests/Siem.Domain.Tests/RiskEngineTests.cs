using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Domain.Tests;

/// <summary>Risk-based incidents: stray alerts are held, risk that adds up on a host opens one, a single risky alert opens at once.</summary>
public sealed class RiskEngineTests
{
    private static readonly RiskSettings Settings = new(WindowMs: 600_000, OpenThreshold: 40, SingleAlertThreshold: 38);

    private static AlertSegment Segment(string label, long firstMs, long count, double riskEach, long? lastMs = null) =>
        new(label, "10.0.0.9", "probe", false, firstMs, lastMs ?? firstMs, count, count * riskEach, riskEach);

    [Fact]
    public void A_stray_alert_is_held_and_expires_without_an_incident()
    {
        var host = new HostRisk();

        Assert.Equal(RiskOutcome.Held, RiskEngine.Add(host, Segment("satan", 0, 1, 6), Settings));
        Assert.Equal(RiskOutcome.Held, RiskEngine.Add(host, Segment("teardrop", 3_600_000, 1, 8), Settings)); // an hour later: the first has expired

        Assert.Null(host.Active);
        Assert.Single(host.Held);
    }

    [Fact]
    public void Risk_that_adds_up_within_the_window_opens_one_incident_with_everything_that_made_it()
    {
        var host = new HostRisk();
        RiskEngine.Add(host, Segment("satan", 0, 3, 6), Settings);           // 18: held

        var outcome = RiskEngine.Add(host, Segment("neptune", 120_000, 3, 8), Settings); // 18 + 24 = 42

        Assert.Equal(RiskOutcome.Opened, outcome);
        var incident = host.Active!;
        Assert.Equal((6L, 42.0, 0L, 120_000L), (incident.Count, incident.Risk, incident.FirstMs, incident.LastMs));
        Assert.Equal("neptune", incident.DominantLabel);
        Assert.Contains("risk 42 within 10 min", incident.Reason);
        Assert.Contains("satan 3 alerts", incident.Reason);
        Assert.Empty(host.Held);
        Assert.Equal(RiskOutcome.Joined, RiskEngine.Add(host, Segment("satan", 400_000, 1, 6), Settings)); // grows while within the window
        Assert.Equal(7, incident.Count);
    }

    [Fact]
    public void One_risky_alert_opens_an_incident_by_itself()
    {
        var host = new HostRisk();

        Assert.Equal(RiskOutcome.Opened, RiskEngine.Add(host, Segment("rootkit", 0, 1, 45), Settings));
        Assert.Contains("one alert with risk 45", host.Active!.Reason);
    }

    [Fact]
    public void Confident_host_intrusions_and_content_evidence_weigh_more_than_unknown_or_scan_verdicts()
    {
        var plain = ConnectionRecord.FromFeatures("tcp", "telnet", "SF", new double[38]);
        var rootShell = plain with { RootShell = 1, NumFailedLogins = 1 };

        var u2r = AlertRisk.Score(KddCategory.U2R, unknown: false, 0.98f, plain);
        var probe = AlertRisk.Score(KddCategory.Probe, unknown: false, 0.99f, plain);
        var unknownLeaningNormal = AlertRisk.Score(KddCategory.Probe, unknown: true, 0.001f, plain);
        var unknownWithEvidence = AlertRisk.Score(KddCategory.Probe, unknown: true, 0.001f, rootShell);

        Assert.True(u2r >= RiskSettings.DefaultSingleAlertThreshold, $"u2r {u2r}");
        Assert.True(probe < 10, $"probe {probe}");
        Assert.True(unknownLeaningNormal < 3, $"unknown {unknownLeaningNormal}");
        Assert.True(unknownWithEvidence > unknownLeaningNormal + 30, $"with evidence {unknownWithEvidence}");
        Assert.Equal(0, AlertRisk.Score(KddCategory.Normal, unknown: false, 0.99f, plain));
    }
}
