using System.Text.Json;

namespace Siem.Web.Tests;

/// <summary>How answers look: times always say they are UTC, whether a job is just created or read back from the list.</summary>
public sealed class ApiShapeTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    [Fact]
    public async Task Job_times_carry_their_utc_offset_in_lists_and_on_create_alike()
    {
        var client = app.ApiClient();
        var created = await client.UploadAsync("times.csv", Siem.TestSupport.KddFixtures.LabelledCsv(normals: 2, floods: 0, smurfs: 0));
        var createdJson = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        await client.WaitForJobAsync(createdJson.GetProperty("id").GetInt64());

        var listed = JsonDocument.Parse(await client.GetStringAsync("/api/jobs")).RootElement[0];

        Assert.EndsWith("Z", createdJson.GetProperty("createdUtc").GetString());
        Assert.EndsWith("Z", listed.GetProperty("createdUtc").GetString());
        Assert.EndsWith("Z", listed.GetProperty("finishedUtc").GetString());
    }
}
