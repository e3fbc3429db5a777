using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.Store.SiteLearning;
using Siem.Web.Identity;
using Siem.Web.Incidents;
using Siem.Web.SiteLearning;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>The site's labelled set: baselines and false positives, listed with who added them, exported as labelled KDD CSV.</summary>
public sealed class SiteLearningTests : IDisposable
{
    private readonly SiemAppFactory _app = new();

    [Fact]
    public async Task A_completed_upload_becomes_a_baseline_exported_as_normal_records()
    {
        var client = _app.ApiClient();
        var csv = string.Concat(Enumerable.Range(0, 30).Select(i => ToCsvLine(NormalHttp(i), "normal") + "\n"));
        var job = await client.UploadAndWaitAsync("office-monday.csv", csv);

        var added = await client.PostAsJsonAsync("/api/site/baselines", new BaselineRequest(job.Id, "Monday in the office, nothing unusual"));
        var again = await client.PostAsJsonAsync("/api/site/baselines", new BaselineRequest(job.Id));
        var missing = await client.PostAsJsonAsync("/api/site/baselines", new BaselineRequest(999));
        var listed = await client.GetFromJsonAsync<List<SiteFeedbackView>>("/api/site/feedback", ApiHelpers.Json);
        var export = (await client.GetStringAsync("/api/site/training-set.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("already a baseline", await again.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var entry = Assert.Single(listed!);
        Assert.Equal((SiteFeedbackKind.Baseline, job.Id, 30L, "normal"), (entry.Kind, entry.JobId, entry.Records, entry.Label));
        Assert.False(string.IsNullOrEmpty(entry.AddedBy));
        Assert.Equal(30, export.Length);
        Assert.All(export, line => Assert.EndsWith(",normal.", line));
        Assert.Equal(ToCsvLine(NormalHttp(0), "normal"), export[0]);
        await using var db = _app.CreateDb();
        Assert.True(await db.Audit.AnyAsync(a => a.Action == "SiteBaseline" && a.EntityId == job.Id.ToString()));
    }

    [Fact]
    public async Task An_incident_closed_as_a_false_positive_adds_its_events_and_reopening_takes_them_back()
    {
        var client = _app.ApiClient();
        var csv = string.Concat(Enumerable.Range(0, 40).Select(i => ToCsvLine(SynFlood(i) with { DstIp = System.Net.IPAddress.Parse("10.0.0.9") }) + "\n"));
        await client.UploadAndWaitAsync("flood.csv", csv);
        await _app.WaitForCorrelationAsync();
        await using var db = _app.CreateDb();
        var incident = await db.Incidents.SingleAsync();

        var resolved = await client.PostAsJsonAsync($"/api/incidents/{incident.Id}/resolve", new IncidentActionRequest("FalsePositive", "our load test"));
        var afterResolve = await client.GetFromJsonAsync<List<SiteFeedbackView>>("/api/site/feedback", ApiHelpers.Json);
        var exported = (await client.GetStringAsync("/api/site/training-set.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await client.PostAsJsonAsync($"/api/incidents/{incident.Id}/reopen", new IncidentActionRequest(null, "not so sure"));
        var afterReopen = await client.GetFromJsonAsync<List<SiteFeedbackView>>("/api/site/feedback", ApiHelpers.Json);

        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var entry = Assert.Single(afterResolve!);
        Assert.Equal((SiteFeedbackKind.FalsePositive, (long?)incident.Id), (entry.Kind, entry.IncidentId));
        Assert.Equal(40, exported.Length);
        Assert.All(exported, line => Assert.EndsWith(",normal.", line));
        Assert.Empty(afterReopen!);
    }

    [Fact]
    public async Task Events_marked_in_the_explorer_join_the_set_as_they_were_when_marked()
    {
        var client = _app.ApiClient();
        var floods = string.Concat(Enumerable.Range(0, 20).Select(i => ToCsvLine(SynFlood(i) with { Service = "http" }) + "\n"));
        var normals = string.Concat(Enumerable.Range(0, 10).Select(i => ToCsvLine(NormalHttp(i)) + "\n"));
        await client.UploadAndWaitAsync("health-checks.csv", floods + normals);

        var marked = await client.PostAsJsonAsync("/api/site/events", new MarkEventsRequest("label:neptune and service:http", Note: "our health checker"));
        var badQuery = await client.PostAsJsonAsync("/api/site/events", new MarkEventsRequest("label:"));
        var noMatch = await client.PostAsJsonAsync("/api/site/events", new MarkEventsRequest("label:smurf"));
        await client.UploadAndWaitAsync("more-health-checks.csv", floods); // matches too, but after the mark
        var export = (await client.GetStringAsync("/api/site/training-set.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.Created, marked.StatusCode);
        var entry = (await marked.Content.ReadFromJsonAsync<SiteFeedbackView>(ApiHelpers.Json))!;
        Assert.Equal((SiteFeedbackKind.Events, 20L, "label:neptune and service:http", "our health checker"), (entry.Kind, entry.Records, entry.Query, entry.Note));
        Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noMatch.StatusCode);
        Assert.Contains("No events match", await noMatch.Content.ReadAsStringAsync());
        Assert.Equal(20, export.Length);
        Assert.All(export, line => Assert.EndsWith(",normal.", line));
        await using var db = _app.CreateDb();
        Assert.True(await db.Audit.AnyAsync(a => a.Action == "SiteEvents" && a.EntityId == entry.Id.ToString()));
    }

    [Fact]
    public async Task Viewers_read_the_set_but_cannot_change_it()
    {
        var admin = _app.ApiClient();
        var key = await (await admin.PostAsJsonAsync("/api/admin/keys", new CreateKeyRequest("site-viewer", SiemRoles.Viewer))).Content.ReadFromJsonAsync<CreatedApiKey>(ApiHelpers.Json);
        var viewer = _app.ApiClient(key!.Key);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/site/feedback")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/site/baselines", new BaselineRequest(1))).StatusCode);
    }

    public void Dispose() => _app.Dispose();
}
