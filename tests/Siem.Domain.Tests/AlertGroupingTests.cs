using Siem.Domain.Incidents;
using Siem.Domain.Labels;

namespace Siem.Domain.Tests;

public class AlertGroupingTests
{
    private const long Minute = 60_000;

    [Fact]
    public void Alerts_of_one_class_and_host_stay_together_while_gaps_are_within_the_window()
    {
        Alert[] alerts =
        [
            new("neptune", "10.0.0.9", "dos", false, 0),
            new("neptune", "10.0.0.9", "dos", false, 9 * Minute),
            new("neptune", "10.0.0.9", "dos", false, 18 * Minute), // 9 min after the previous: same incident (sliding)
            new("neptune", "10.0.0.9", "dos", false, 40 * Minute), // 22 min gap: a new one
            new("neptune", "10.0.0.8", "dos", false, 1 * Minute),  // another host
            new("smurf", "10.0.0.9", "dos", false, 2 * Minute),    // another class
        ];

        var segments = AlertGrouping.Segment(alerts.Reverse(), 10 * Minute);

        Assert.Equal(4, segments.Count);
        var first = Assert.Single(segments, s => s is { GroupLabel: "neptune", Host: "10.0.0.9", FirstMs: 0 });
        Assert.Equal((18 * Minute, 3L), (first.LastMs, first.Count));
        Assert.Single(segments, s => s is { GroupLabel: "neptune", Host: "10.0.0.9", FirstMs: 40 * Minute, Count: 1 });
        Assert.Single(segments, s => s is { GroupLabel: "neptune", Host: "10.0.0.8" });
        Assert.Single(segments, s => s is { GroupLabel: "smurf" });
    }

    [Fact]
    public void A_segment_touches_an_incident_when_they_overlap_after_widening_by_the_window()
    {
        var segment = new AlertSegment("satan", null, "probe", false, 30 * Minute, 31 * Minute, 5);

        Assert.True(segment.Touches(0, 21 * Minute, 10 * Minute));
        Assert.False(segment.Touches(0, 19 * Minute, 10 * Minute));
        Assert.True(segment.Touches(40 * Minute, 50 * Minute, 10 * Minute));
    }

    [Theory]
    [InlineData(KddCategory.U2R, false, IncidentSeverity.Critical)]
    [InlineData(KddCategory.R2L, false, IncidentSeverity.High)]
    [InlineData(KddCategory.Dos, false, IncidentSeverity.High)]
    [InlineData(KddCategory.Probe, false, IncidentSeverity.Medium)]
    [InlineData(KddCategory.U2R, true, IncidentSeverity.Medium)]
    public void Severity_follows_the_category_and_unknown_is_medium(KddCategory category, bool unknown, IncidentSeverity severity) =>
        Assert.Equal(severity, IncidentRules.SeverityOf(category, unknown));

    [Fact]
    public void Status_moves_follow_the_workflow()
    {
        Assert.True(IncidentRules.CanMove(IncidentStatus.Open, IncidentStatus.Acknowledged));
        Assert.True(IncidentRules.CanMove(IncidentStatus.Acknowledged, IncidentStatus.Resolved));
        Assert.True(IncidentRules.CanMove(IncidentStatus.Closed, IncidentStatus.Open));
        Assert.False(IncidentRules.CanMove(IncidentStatus.Resolved, IncidentStatus.Acknowledged));
        Assert.False(IncidentRules.CanMove(IncidentStatus.Open, IncidentStatus.Open));
        Assert.True(IncidentRules.NeedsResolution(IncidentStatus.Closed));
    }
}
