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
        // More than the first count's 1,000: the count goes on to the exact total within the budget (a minute here).
        await client.UploadAndWaitAsync("floods.csv", RiskIncidentTests.Floods(DateTimeOffset.UtcNow.AddMinutes(-5), (0, "10.0.0.40", 1_200)));
        var exact = await client.GetFromJsonAsync<JsonElement>("/api/events?pageSize=50&page=2");
        Assert.Equal((1_200, false), (exact.GetProperty("total").GetInt64(), exact.GetProperty("totalIsLowerBound").GetBoolean()));
        var counted = await client.GetFromJsonAsync<JsonElement>("/api/events/count");
        Assert.Equal((1_200, false), (counted.GetProperty("total").GetInt64(), counted.GetProperty("totalIsLowerBound").GetBoolean()));
        using var bad = await client.GetAsync("/api/events/count?q=" + Uri.EscapeDataString("label:"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("expected a value after 'label:'", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var uncounted = await client.GetFromJsonAsync<JsonElement>("/api/events?pageSize=50&count=false");
        Assert.Equal((50, true), (uncounted.GetProperty("total").GetInt64(), uncounted.GetProperty("totalIsLowerBound").GetBoolean()));
        var last = await client.GetFromJsonAsync<JsonElement>("/api/events?pageSize=500&page=3");
        Assert.Equal((200, 1_200, false), (last.GetProperty("items").GetArrayLength(), last.GetProperty("total").GetInt64(), last.GetProperty("totalIsLowerBound").GetBoolean()));

        await using var hurried = SiemAppFactory.On(provider);
        hurried.Settings["Siem:Store:CountBudget"] = "00:00:00"; // counting off; a budget that runs out while counting ends the same way (bench queries-postgres)
        hurried.Settings["Siem:DataDir"] = app.DataDir;
        if (app.Settings.TryGetValue("Siem:Store:ConnectionString", out var connectionString))
        {
            hurried.Settings["Siem:Store:ConnectionString"] = connectionString;
        }

        var page = await hurried.ApiClient().GetFromJsonAsync<JsonElement>("/api/events?pageSize=50&page=2");
        var lastPage = await hurried.ApiClient().GetFromJsonAsync<JsonElement>("/api/events?pageSize=500&page=3");

        Assert.Equal(50, page.GetProperty("items").GetArrayLength());
        Assert.Equal((100, true), (page.GetProperty("total").GetInt64(), page.GetProperty("totalIsLowerBound").GetBoolean()));
        // A page that is not full is the last one: the total is known without counting.
        Assert.Equal((200, 1_200, false), (lastPage.GetProperty("items").GetArrayLength(), lastPage.GetProperty("total").GetInt64(), lastPage.GetProperty("totalIsLowerBound").GetBoolean()));
    }
}
