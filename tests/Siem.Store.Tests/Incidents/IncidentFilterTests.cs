using Siem.Domain.Incidents;
using Siem.Store.Incidents;
using Siem.Store.Stats;

namespace Siem.Store.Tests.Incidents;

/// <summary>One strict parser for incident filters and reasons, and one definition of a rollup range.</summary>
public sealed class IncidentFilterTests
{
    [Fact]
    public void Known_names_parse_whatever_their_case_and_blanks_mean_no_filter()
    {
        var filter = IncidentFilter.Parse(" open ", "HIGH", " neptune ", "", null, null);

        Assert.Equal(new IncidentFilter(IncidentStatus.Open, IncidentSeverity.High, "neptune"), filter);
        Assert.Equal(new IncidentFilter(), IncidentFilter.Parse(null, " ", null, null, null, null));
    }

    [Theory]
    [InlineData("Opne", null)]
    [InlineData(null, "Hihg")]
    [InlineData("1", null)]
    public void An_unknown_status_or_severity_is_an_error_never_dropped(string? status, string? severity)
    {
        var error = Assert.Throws<InvalidInputException>(() => IncidentFilter.Parse(status, severity, null, null, null, null));

        Assert.Contains("is not one of", error.Message);
    }

    [Theory]
    [InlineData(" False Positive ", IncidentResolution.FalsePositive)]
    [InlineData("false_positive", IncidentResolution.FalsePositive)]
    [InlineData("truepositive", IncidentResolution.TruePositive)]
    public void Reasons_read_the_same_with_spaces_underscores_or_any_case(string text, IncidentResolution expected) =>
        Assert.Equal(expected, InputParsing.Optional<IncidentResolution>(text, "reason"));

    [Theory]
    [InlineData(120_000L, 180_000L, 2L, 3L)]   // exactly one minute
    [InlineData(120_001L, 180_001L, 2L, 4L)]   // touches two minutes
    [InlineData(0L, 1L, 0L, 1L)]               // the current, partial minute counts
    public void A_rollup_range_is_every_minute_that_overlaps_it(long fromMs, long toMs, long fromMinute, long toMinuteExclusive) =>
        Assert.Equal(new RollupRange(fromMinute, toMinuteExclusive), RollupRange.Of(fromMs, toMs));
}
