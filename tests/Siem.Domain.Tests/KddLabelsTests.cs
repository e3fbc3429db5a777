using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Domain.Tests;

public class KddLabelsTests
{
    [Fact]
    public void Vocabulary_has_23_training_classes_and_17_test_only_attacks()
    {
        Assert.Equal(23, KddLabels.TrainingClasses.Count);
        Assert.Equal(17, KddLabels.TestOnlyAttacks.Count);
        Assert.Equal(40, KddLabels.All.Select(l => l.Name).Distinct().Count());
        Assert.All(KddLabels.TrainingClasses, l => Assert.True(l.InTrainingSet));
        Assert.All(KddLabels.TestOnlyAttacks, l => Assert.False(l.InTrainingSet));
    }

    [Theory]
    [InlineData("smurf.", KddCategory.Dos)]
    [InlineData("NEPTUNE", KddCategory.Dos)]
    [InlineData(" portsweep. ", KddCategory.Probe)]
    [InlineData("guess_passwd", KddCategory.R2L)]
    [InlineData("snmpgetattack", KddCategory.R2L)]
    [InlineData("httptunnel", KddCategory.U2R)]
    [InlineData("mscan", KddCategory.Probe)]
    [InlineData("normal.", KddCategory.Normal)]
    public void Labels_map_to_their_kdd_category(string label, KddCategory category) =>
        Assert.Equal(category, KddLabels.CategoryOf(label));

    [Theory]
    [InlineData("portsweep", "T1046")]
    [InlineData("guess_passwd", "T1110")]
    [InlineData("neptune", "T1499")]
    [InlineData("smurf", "T1498.002")]
    [InlineData("rootkit", "T1014")]
    public void Attacks_map_to_mitre_techniques(string label, string technique) =>
        Assert.Equal(technique, KddLabels.Find(label)!.Technique!.Id);

    [Fact]
    public void Every_attack_has_a_technique_and_normal_has_none()
    {
        Assert.All(KddLabels.All.Where(l => l.IsAttack), l => Assert.NotNull(l.Technique));
        Assert.Null(KddLabels.Find("normal")!.Technique);
    }

    [Fact]
    public void Unknown_names_are_not_labels() => Assert.Null(KddLabels.Find("notanattack"));

    [Fact]
    public void Cost_matrix_is_the_official_one()
    {
        int[,] expected = { { 0, 1, 2, 2, 2 }, { 1, 0, 2, 2, 2 }, { 2, 1, 0, 2, 2 }, { 3, 2, 2, 0, 2 }, { 4, 2, 2, 2, 0 } };
        foreach (var actual in KddCategoryNames.All)
        {
            foreach (var predicted in KddCategoryNames.All)
            {
                Assert.Equal(expected[(int)actual, (int)predicted], KddCostMatrix.Cost(actual, predicted));
            }
        }
    }
}

public class ConnectionRecordTests
{
    [Fact]
    public void Features_are_the_41_in_documented_order()
    {
        Assert.Equal(41, KddFeatures.All.Count);
        Assert.Equal(38, KddFeatures.Numeric.Count);
        Assert.Equal("duration", KddFeatures.All[0].Name);
        Assert.Equal("service", KddFeatures.All[KddFeatures.ServiceIndex].Name);
        Assert.Equal("count", KddFeatures.All[22].Name);
        Assert.Equal("dst_host_srv_rerror_rate", KddFeatures.All[40].Name);
    }

    [Fact]
    public void Feature_texts_are_the_41_values_in_documented_order()
    {
        var record = ConnectionRecord.FromFeatures("tcp", "http", "SF", Enumerable.Range(0, KddFeatures.NumericCount).Select(i => i == 21 ? 0.25 : 0.0).ToArray()) with { SrcBytes = 181 };

        var texts = record.FeatureTexts();

        Assert.Equal(41, texts.Length);
        Assert.Equal(["0", "tcp", "http", "SF", "181"], texts[..5]);
        Assert.Equal("0.25", texts[KddFeatures.All.Single(f => f.Name == "serror_rate").Index]);
    }

    [Fact]
    public void Numeric_features_round_trip_through_the_typed_record()
    {
        var values = Enumerable.Range(0, KddFeatures.NumericCount).Select(i => KddFeatures.Numeric[i].Kind switch
        {
            FeatureKind.Binary => 1.0,
            FeatureKind.Rate => i / 100.0,
            _ => i * 3.0,
        }).ToArray();

        var record = ConnectionRecord.FromFeatures("udp", "domain_u", "SF", values);
        var copy = new double[KddFeatures.NumericCount];
        record.CopyNumericFeaturesTo(copy);

        Assert.Equal(values, copy);
        Assert.Equal(values[1], record.SrcBytes);
        Assert.Equal(values[^1], record.DstHostSrvRerrorRate);
    }
}
