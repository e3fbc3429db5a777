using System.Net;
using System.Net.Http.Json;
using Siem.Store.Events;
using Siem.Store.Identity;
using Siem.Store.Incidents;
using Siem.Web.Events;
using Siem.Web.Identity;
using Siem.Web.Incidents;

namespace Siem.Web.Tests;

/// <summary>Acting on incidents over the API: status moves, reasons, assignment and the audit trail.</summary>
public class IncidentWorkflowTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    private async Task<(HttpClient Analyst, IncidentSummary Incident)> AnIncidentAndAnAnalystAsync()
    {
        var admin = app.ApiClient();
        await admin.UploadAndWaitAsync("incidents.csv", IngestTests.MixedFile(out _, out _));
        await app.WaitForCorrelationAsync();
        var key = await (await admin.PostAsJsonAsync("/api/admin/keys", new CreateKeyRequest("analyst", SiemRoles.Analyst))).Content.ReadFromJsonAsync<CreatedApiKey>();
        var analyst = app.ApiClient(key!.Key);
        var page = await analyst.GetFromJsonAsync<Page<IncidentSummary>>("/api/incidents?status=Open&label=neptune", ApiHelpers.Json);
        return (analyst, page!.Items[0]);
    }

    [Fact]
    public async Task Acknowledge_resolve_and_reopen_are_audited_with_who_when_and_why()
    {
        var (analyst, incident) = await AnIncidentAndAnAnalystAsync();

        var acknowledged = await analyst.PostAsJsonAsync($"/api/incidents/{incident.Id}/acknowledge", new IncidentActionRequest(null, "looking at it"));
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsJsonAsync($"/api/incidents/{incident.Id}/assign", new AssignRequest("analyst@test.local"))).StatusCode);
        var resolved = await analyst.PostAsJsonAsync($"/api/incidents/{incident.Id}/resolve", new IncidentActionRequest("true_positive", "SYN flood confirmed"));
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsJsonAsync($"/api/incidents/{incident.Id}/reopen", new IncidentActionRequest(null, "came back"))).StatusCode);

        var detail = await analyst.GetFromJsonAsync<IncidentDetail>($"/api/incidents/{incident.Id}", ApiHelpers.Json);
        Assert.Equal("Open", detail!.Incident.Status);
        Assert.Equal("analyst@test.local", detail.Incident.Assignee);
        Assert.Equal(["Open -> Acknowledged", "Assigned", "Acknowledged -> Resolved", "Resolved -> Open"], detail.Audit.Select(a => a.Action));
        Assert.All(detail.Audit, a => Assert.Equal("key:analyst", a.Actor));
        Assert.Equal("TruePositive", detail.Audit[2].Reason);
        Assert.Equal("SYN flood confirmed", detail.Audit[2].Details);
        Assert.Equal(["looking at it", "SYN flood confirmed", "came back"], detail.Notes.Select(n => n.Text));
    }

    [Fact]
    public async Task Resolving_without_a_reason_or_an_impossible_move_is_refused()
    {
        var (analyst, incident) = await AnIncidentAndAnAnalystAsync();

        var noReason = await analyst.PostAsJsonAsync($"/api/incidents/{incident.Id}/close", new IncidentActionRequest(null, null));
        Assert.Equal(HttpStatusCode.Conflict, noReason.StatusCode);
        Assert.Contains("needs a reason", await noReason.Content.ReadAsStringAsync());

        var badReason = await analyst.PostAsJsonAsync($"/api/incidents/{incident.Id}/close", new IncidentActionRequest("because", null));
        Assert.Equal(HttpStatusCode.BadRequest, badReason.StatusCode);

        var reopenOpen = await analyst.PostAsJsonAsync($"/api/incidents/{incident.Id}/reopen", new IncidentActionRequest(null, null));
        Assert.Equal(HttpStatusCode.Conflict, reopenOpen.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PostAsJsonAsync("/api/incidents/999999/acknowledge", new IncidentActionRequest(null, null))).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_is_served_to_callers()
    {
        var response = await app.ApiClient().GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("/api/uploads", await response.Content.ReadAsStringAsync());
    }
}

/// <summary>The same incident workflow tests on PostgreSQL.</summary>
public sealed class IncidentWorkflowTestsOnPostgres(PostgresAppFactory app) : IncidentWorkflowTests(app), IClassFixture<PostgresAppFactory>;
