using System.Net;
using System.Net.Http.Json;
using Siem.Store.Events;
using Siem.Store.Identity;

namespace Siem.Web.Tests.Events;

/// <summary>Saved searches through the API: built-ins, private and shared ones, who may change what, and running one over its range.</summary>
public sealed class SavedSearchTests
{
    private static async Task<SavedSearchView> SaveAsync(HttpClient client, SavedSearchInput input)
    {
        var response = await client.PostAsJsonAsync("/api/searches", input, ApiHelpers.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SavedSearchView>(ApiHelpers.Json))!;
    }

    private static async Task<List<SavedSearchView>> ListAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<List<SavedSearchView>>("/api/searches", ApiHelpers.Json))!;

    [Fact]
    public async Task Built_in_searches_run_over_their_range_and_cannot_be_changed()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var now = DateTimeOffset.UtcNow;
        await client.UploadAndWaitAsync("recent.csv", RiskIncidentTests.Floods(now.AddHours(-2), (0, "10.0.0.9", 20)));
        await client.UploadAndWaitAsync("old.csv", RiskIncidentTests.Floods(now.AddDays(-3), (0, "10.0.0.8", 5)));

        var searches = await ListAsync(client);
        Assert.Equal(["Unknown traffic", "U2R and R2L alerts", "Scans against one host"], searches.Where(s => s.BuiltIn).Select(s => s.Name));
        var builtIn = searches[0];
        Assert.Equal(("last 24 h", false), (builtIn.RangeText, builtIn.CanEdit));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/searches/{builtIn.Id}")).StatusCode);

        // A search of the floods over the last day finds the recent 20, not the 5 of three days ago; over all time, all 25.
        var lastDay = await SaveAsync(client, new SavedSearchInput("Floods today", "label:neptune", RangeMinutes: 1440));
        var allTime = await SaveAsync(client, new SavedSearchInput("All floods", "label:neptune"));
        var fixedRange = await SaveAsync(client, new SavedSearchInput("That morning", "label:neptune", From: now.AddDays(-3).AddMinutes(-1), To: now.AddDays(-3).AddMinutes(1)));
        Assert.Equal(20, (await client.GetFromJsonAsync<Page<EventView>>($"/api/searches/{lastDay.Id}/events", ApiHelpers.Json))!.Total);
        Assert.Equal(25, (await client.GetFromJsonAsync<Page<EventView>>($"/api/searches/{allTime.Id}/events", ApiHelpers.Json))!.Total);
        Assert.Equal(5, (await client.GetFromJsonAsync<Page<EventView>>($"/api/searches/{fixedRange.Id}/events", ApiHelpers.Json))!.Total);
        Assert.Equal("all time", allTime.RangeText);
    }

    [Fact]
    public async Task A_private_search_is_its_owners_alone_and_a_shared_one_is_seen_by_all_but_changed_by_its_owner_or_an_admin()
    {
        await using var app = new SiemAppFactory();
        var admin = app.ApiClient();
        var analyst = await ApiHelpers.ClientWithRoleAsync(app, admin, SiemRoles.Analyst);
        var viewer = await ApiHelpers.ClientWithRoleAsync(app, admin, SiemRoles.Viewer);

        var mine = await SaveAsync(analyst, new SavedSearchInput("My http", "service:http and alert:true", 60));
        var shared = await SaveAsync(analyst, new SavedSearchInput("Team smurfs", "label:smurf", 10080, Shared: true, Description: "for the morning review"));
        var viewersOwn = await SaveAsync(viewer, new SavedSearchInput("Viewer's", "unknown:true"));

        Assert.Contains(mine.Id, (await ListAsync(analyst)).Select(s => s.Id));
        Assert.DoesNotContain(mine.Id, (await ListAsync(viewer)).Select(s => s.Id));
        Assert.DoesNotContain(mine.Id, (await ListAsync(admin)).Select(s => s.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync($"/api/searches/{mine.Id}/events")).StatusCode);
        Assert.Contains(shared.Id, (await ListAsync(viewer)).Select(s => s.Id));
        Assert.Contains(viewersOwn.Id, (await ListAsync(viewer)).Select(s => s.Id));

        // Viewers keep private searches but do not share; nobody but the owner or an admin changes a shared one.
        var share = await viewer.PostAsJsonAsync("/api/searches", new SavedSearchInput("Mine to all", "unknown:true", Shared: true), ApiHelpers.Json);
        Assert.Equal(HttpStatusCode.Forbidden, share.StatusCode);
        Assert.Contains("Only Analysts and Admins share", await share.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"/api/searches/{shared.Id}")).StatusCode);
        var renamed = await admin.PutAsJsonAsync($"/api/searches/{shared.Id}", new SavedSearchInput("Team smurfs (7 d)", "label:smurf", 10080, Shared: true), ApiHelpers.Json);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Team smurfs (7 d)", (await renamed.Content.ReadFromJsonAsync<SavedSearchView>(ApiHelpers.Json))!.Name);
        Assert.Equal(HttpStatusCode.NoContent, (await analyst.DeleteAsync($"/api/searches/{shared.Id}")).StatusCode);
        Assert.DoesNotContain(shared.Id, (await ListAsync(viewer)).Select(s => s.Id));
    }

    [Fact]
    public async Task Bad_searches_are_refused_with_the_reason()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        await SaveAsync(client, new SavedSearchInput("Taken", "label:neptune"));

        foreach (var (input, reason) in new (SavedSearchInput, string)[]
                 {
                     (new("", "label:neptune"), "needs a name"),
                     (new("Broken", "label:neptune and ("), "does not parse"),
                     (new("Nope", "no_such_field:1"), "does not parse"),
                     (new("Both", "label:neptune", 60, DateTimeOffset.UtcNow.AddHours(-1)), "not both"),
                     (new("Backwards", "label:neptune", null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(-1)), "'to' must be after 'from'"),
                     (new("Taken", "label:smurf"), "already have a search named 'Taken'"),
                 })
        {
            var response = await client.PostAsJsonAsync("/api/searches", input, ApiHelpers.Json);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }
    }
}
