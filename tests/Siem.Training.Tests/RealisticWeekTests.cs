using Siem.Detection.Model;
using Siem.Domain.Incidents;
using Siem.TestSupport;
using Siem.Training.Week;

namespace Siem.Training.Tests;

/// <summary>
/// Guards a floor under the realistic-week figures (bench `week` measures them over several weeks): a week of
/// held-out normal traffic with 30 loud and 15 quiet episodes, through the shipped model and the shipped risk rules.
/// </summary>
public sealed class RealisticWeekTests
{
    [RequiresKddDataFact]
    public void Risk_based_incidents_are_mostly_real_and_find_the_loud_and_most_quiet_episodes()
    {
        var options = new TrainingOptions { DataPath = RepositoryPaths.KddTrainingData, OutputDirectory = Path.GetTempPath() };
        var set = LabelledSet.Load(options.DataPath);
        var (_, heldOut) = set.Split(options.HoldOutFraction, options.Seed);
        using var classifier = OnnxClassifier.Load(RepositoryPaths.ShippedCard);
        var week = RealisticWeek.Build(heldOut, set.Records, new WeekShape(Seed: 11));
        var window = (long)TimeSpan.FromMinutes(10).TotalMilliseconds;

        var before = IncidentSimulation.Score(week, IncidentSimulation.Run(week.Records, classifier, new RiskSettings(window, 0, 0)));
        var risk = IncidentSimulation.Score(week, IncidentSimulation.Run(week.Records, classifier, new RiskSettings(window)));

        Assert.True(before.Precision < 0.5, $"the harness should reproduce the noise of one incident per stray alert: {before}");
        Assert.True(risk.Precision >= 0.85, risk.ToString());
        Assert.True(risk.LoudRecall >= 0.9, risk.ToString());
        Assert.True(risk.QuietRecall >= 0.5, risk.ToString());
    }
}
