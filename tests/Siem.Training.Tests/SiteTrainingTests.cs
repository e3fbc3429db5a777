using Siem.Detection.Model;
using Siem.TestSupport;
using Siem.Training;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Training.Tests;

/// <summary>Retraining with the site's labelled traffic: what the site calls normal, the new model calls normal.</summary>
public class SiteTrainingTests
{
    [Fact]
    public void Site_records_trained_on_beside_the_kdd_data_change_the_verdict_and_are_recorded_in_the_card()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.File("kdd.csv"), LabelledCsv(normals: 200, floods: 200, smurfs: 60));
        // The site's own traffic: bursts of half-open web connections that are, at this site, a health checker.
        File.WriteAllText(temp.File("site.csv"), string.Concat(Enumerable.Range(0, 50).Select(i => ToCsvLine(HealthCheck(i), "normal") + "\n")));
        var quick = new TrainingOptions
        {
            DataPath = temp.File("kdd.csv"),
            OutputDirectory = temp.File("shipped"),
            CompareTrainers = false,
            LeaveOneAttackOut = false,
            Trainer = new TrainerSettings { Kind = TrainerKind.LightGbm, Iterations = 20, Leaves = 8, MinExamplesPerLeaf = 2 },
        };

        ModelTrainer.Train(quick, TextWriter.Null);
        var site = ModelTrainer.Train(quick with { OutputDirectory = temp.File("site"), SitePaths = [temp.File("site.csv")], SiteWeight = 10 }, TextWriter.Null);

        using var before = OnnxClassifier.Load(temp.File("shipped/kdd-classifier.onnx"));
        using var after = OnnxClassifier.Load(temp.File("site/kdd-classifier.onnx"));
        var checker = HealthCheck(3);
        Assert.Equal("neptune", before.Classify(checker).Label);
        var verdict = after.Classify(checker);
        Assert.True(verdict.Label == "normal", $"{verdict.Label} {verdict.Category} unknown={verdict.Unknown} closest={verdict.ClosestLabel} {verdict.ClosestConfidence} threshold={after.Card.Decision.UnknownConfidenceThreshold}");
        Assert.Equal("normal", after.Classify(NormalHttp(3)).Label);
        var file = Assert.Single(site.TrainingData!.SiteFiles);
        Assert.Equal(("site.csv", 50L), (file.File, file.Records));
        Assert.Equal(10, site.TrainingData.SiteWeight);
        Assert.Equal(10, site.Metrics!.SiteHeldOut!.Records); // the last 20 % of the site file, held out by time
        var late = after.Classify(HealthCheck(45));
        Assert.True(site.Metrics.SiteHeldOut.Accuracy == 1.0, $"{site.Metrics.SiteHeldOut.Accuracy} {late.Label} {late.Category} unknown={late.Unknown} closest={late.ClosestLabel} {late.ClosestConfidence} threshold={after.Card.Decision.UnknownConfidenceThreshold}");
    }

    private static Siem.Domain.Records.ConnectionRecord HealthCheck(int i) => SynFlood(i) with { Service = "http" };
}
