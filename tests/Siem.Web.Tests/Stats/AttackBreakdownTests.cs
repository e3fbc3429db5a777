using Siem.Store.Stats;
using Siem.Web.Stats;

namespace Siem.Web.Tests.Stats;

public sealed class AttackBreakdownTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    [Fact]
    public async Task The_breakdown_counts_what_was_attacked()
    {
        await app.ApiClient().UploadAndWaitAsync("breakdown.csv", IngestTests.MixedFile(out _, out _));
        await using var db = app.CreateDb();

        var data = await AttackBreakdown.LoadAsync(db, null, null, CancellationToken.None);

        Assert.Equal([("neptune", 20L), ("smurf", 6L)], data.ByLabel.Select(c => (c.Name, c.Value)));
        Assert.Equal(26, data.Alerts);
        Assert.Equal(("10.0.0.9", 20L), (data.Hosts[0].Name, data.Hosts[0].Value));
        Assert.Equal(("private", 20L), (data.Services[0].Name, data.Services[0].Value));
        Assert.Contains(data.Techniques, t => t.Name.StartsWith("T1499 ", StringComparison.Ordinal) && t.Value == 20);
        Assert.Contains(data.Flags, f => f.Name == "S0" && f.Value == 20);
    }
}
