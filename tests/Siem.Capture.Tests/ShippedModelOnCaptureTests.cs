using Siem.Detection.Model;
using Siem.Domain.Labels;
using Siem.TestSupport;

namespace Siem.Capture.Tests;

/// <summary>Extracted records go through the real shipped model: the attacks must be called attacks.</summary>
public sealed class ShippedModelOnCaptureTests : IDisposable
{
    private readonly OnnxClassifier _classifier = OnnxClassifier.Load(RepositoryPaths.ShippedCard);

    [Fact]
    public void Syn_flood_is_classified_as_an_attack()
    {
        var records = CaptureScenarios.Extract(CaptureScenarios.SynFlood());

        // Once the flood is under way (past the first handful of SYNs) every record is an alert.
        var predictions = _classifier.Classify(records[10..]);
        Assert.All(predictions, p => Assert.True(p.IsAlert, $"{p.Label} {p.Confidence}"));
        Assert.Equal(KddCategory.Dos, predictions[^1].Category);
    }

    [Fact]
    public void Port_sweep_is_classified_as_an_attack()
    {
        var records = CaptureScenarios.Extract(CaptureScenarios.PortSweep());

        var predictions = _classifier.Classify(records[5..]);
        Assert.All(predictions, p => Assert.True(p.IsAlert, $"{p.Label} {p.Confidence}"));
    }

    [Fact]
    public void Normal_http_is_classified_as_normal()
    {
        var records = CaptureScenarios.Extract(CaptureScenarios.NormalHttp());

        var predictions = _classifier.Classify(records);
        Assert.All(predictions, p => Assert.Equal(("normal", false), (p.Label, p.IsAlert)));
    }

    public void Dispose() => _classifier.Dispose();
}
