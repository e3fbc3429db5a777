using System.Net.Http.Json;
using System.Text.Json;
using Siem.Store.Persistence;

namespace Siem.Web.Tests.Events;

/// <summary>The explorer's count gives up at its time budget (the database is told to stop) and the page says "at least" what it has seen.</summary>
public sealed class CountBudgetTests
{
    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task A_count_over_its_budget_answers_the_page_with_a_lower_bound(StoreProvider provider)
    {
        await using var app = SiemAppFactory.On(provider);
        var client = app.ApiClient();
        await client.UploadAndWaitAsync("floods.csv", RiskIncidentTests.Floods(DateTimeOffset.UtcNow.AddMinutes(-5), (0, "10.0.0.40", 120)));
        var exact = await client.GetFromJsonAsync<JsonElement>("/api/events?pageSize=50&page=2");
        Assert.Equal((120, false), (exact.GetProperty("total").GetInt64(), exact.GetProperty("totalIsLowerBound").GetBoolean()));

        await using var hurried = SiemAppFactory.On(provider);
        hurried.Settings["Siem:Store:CountBudget"] = "00:00:00"; // counting off; a budget that runs out while counting ends the same way (bench queries-postgres)
        hurried.Settings["Siem:DataDir"] = app.DataDir;
        if (app.Settings.TryGetValue("Siem:Store:ConnectionString", out var connectionString))
        {
            hurried.Settings["Siem:Store:ConnectionString"] = connectionString;
        }

        var page = await hurried.ApiClient().GetFromJsonAsync<JsonElement>("/api/events?pageSize=50&page=2");

        Assert.Equal(50, page.GetProperty("items").GetArrayLength());
        Assert.Equal((100, true), (page.GetProperty("total").GetInt64(), page.GetProperty("totalIsLowerBound").GetBoolean()));
    }
}
