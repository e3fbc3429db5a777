using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Incidents;
using Siem.Store.Persistence;
using Siem.Web.Incidents;

namespace Siem.Web.Tests;

/// <summary>Bulk actions act on exactly the chosen incidents: the given ids, or everything matching the filter.</summary>
public sealed class IncidentBulkTests : IAsyncLifetime, IDisposable
{
    private readonly SiemAppFactory _app = new();
    private readonly Dictionary<string, long> _ids = [];

    public async Task InitializeAsync()
    {
        await using var db = _app.CreateDb();
        foreach (var (label, status, severity) in new[]
                 {
                     ("neptune", IncidentStatus.Open, IncidentSeverity.High), ("smurf", IncidentStatus.Open, IncidentSeverity.High),
                     ("satan", IncidentStatus.Open, IncidentSeverity.Medium), ("back", IncidentStatus.Resolved, IncidentSeverity.High),
                 })
        {
            var incident = new Incident { Label = label, Category = "dos", Status = status, Severity = severity, Resolution = status == IncidentStatus.Resolved ? IncidentResolution.Benign : null, FirstSeenMs = 1, LastSeenMs = 2 };
            db.Incidents.Add(incident);
            await db.SaveChangesAsync();
            _ids[label] = incident.Id;
        }
    }

    private async Task<Dictionary<string, IncidentStatus>> StatusesAsync()
    {
        await using var db = _app.CreateDb();
        return await db.Incidents.ToDictionaryAsync(i => i.Label, i => i.Status);
    }

    [Fact]
    public async Task Acknowledging_everything_matching_the_filter_touches_nothing_else()
    {
        var client = _app.ApiClient();

        var response = await client.PostAsJsonAsync("/api/incidents/bulk/acknowledge", new BulkRequest(null, "Open", "High", null, null, "bulk triage"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new BulkResult(2, 0), await response.Content.ReadFromJsonAsync<BulkResult>(ApiHelpers.Json));
        var statuses = await StatusesAsync();
        Assert.Equal(IncidentStatus.Acknowledged, statuses["neptune"]);
        Assert.Equal(IncidentStatus.Acknowledged, statuses["smurf"]);
        Assert.Equal(IncidentStatus.Open, statuses["satan"]);      // medium: outside the filter
        Assert.Equal(IncidentStatus.Resolved, statuses["back"]);   // resolved: outside the filter
        await using var db = _app.CreateDb();
        Assert.Equal(2, await db.Audit.CountAsync(a => a.Details == "bulk triage"));
    }

    [Theory]
    [InlineData("Opne", null, null)]
    [InlineData(null, "Hihg", null)]
    [InlineData("Open", null, "FalsePositve")]
    public async Task A_misspelled_status_severity_or_reason_is_a_400_and_changes_nothing(string? status, string? severity, string? reason)
    {
        var client = _app.ApiClient();
        var before = await StatusesAsync();

        var response = await client.PostAsJsonAsync("/api/incidents/bulk/close", new BulkRequest(null, status, severity, null, reason ?? "Benign", null));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not one of", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await StatusesAsync());
        if (reason is null)
        {
            // the list reads the same filter the same way
            Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/incidents?status={status}&severity={severity}")).StatusCode);
        }
    }

    [Fact]
    public async Task A_reason_with_spaces_is_read_the_same_by_the_bulk_and_the_single_action()
    {
        var client = _app.ApiClient();

        var bulk = await client.PostAsJsonAsync("/api/incidents/bulk/resolve", new BulkRequest([_ids["neptune"]], null, null, null, " False Positive ", null));
        var single = await client.PostAsJsonAsync($"/api/incidents/{_ids["smurf"]}/resolve", new IncidentActionRequest(" false_positive ", null));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (bulk.StatusCode, single.StatusCode));
        await using var db = _app.CreateDb();
        Assert.Equal(2, await db.Incidents.CountAsync(i => i.Resolution == IncidentResolution.FalsePositive));
    }

    [Fact]
    public async Task Closing_everything_active_in_a_time_range_and_unassigned_touches_nothing_else()
    {
        var client = _app.ApiClient();
        await using (var db = _app.CreateDb())
        {
            // smurf was active last hour, neptune is taken by someone.
            await db.Incidents.Where(i => i.Label == "smurf").ExecuteUpdateAsync(u => u.SetProperty(i => i.FirstSeenMs, 3_600_000).SetProperty(i => i.LastSeenMs, 7_200_000));
            await db.Incidents.Where(i => i.Label == "neptune").ExecuteUpdateAsync(u => u.SetProperty(i => i.FirstSeenMs, 3_600_000).SetProperty(i => i.LastSeenMs, 7_200_000).SetProperty(i => i.Assignee, "bob@test"));
        }

        var from = DateTimeOffset.FromUnixTimeMilliseconds(3_000_000);
        var listed = await client.GetFromJsonAsync<Siem.Store.Events.Page<IncidentSummary>>($"/api/incidents?assignee=none&from={Uri.EscapeDataString(from.ToString("O"))}", ApiHelpers.Json);
        var response = await client.PostAsJsonAsync("/api/incidents/bulk/close", new BulkRequest(null, null, null, null, "Benign", "maintenance window", IncidentFilter.Unassigned, from));

        Assert.Equal(["smurf"], listed!.Items.Select(i => i.Label));
        Assert.Equal(new BulkResult(1, 0), await response.Content.ReadFromJsonAsync<BulkResult>(ApiHelpers.Json));
        var statuses = await StatusesAsync();
        Assert.Equal(IncidentStatus.Closed, statuses["smurf"]);
        Assert.Equal(IncidentStatus.Open, statuses["neptune"]); // assigned: outside the filter
        Assert.Equal(IncidentStatus.Open, statuses["satan"]);   // active before the range
    }

    [Fact]
    public async Task Acknowledging_selected_ids_touches_only_those_and_skips_impossible_moves()
    {
        var client = _app.ApiClient();

        var response = await client.PostAsJsonAsync("/api/incidents/bulk/acknowledge", new BulkRequest([_ids["satan"], _ids["back"]], null, null, null, null, null));

        Assert.Equal(new BulkResult(1, 1), await response.Content.ReadFromJsonAsync<BulkResult>(ApiHelpers.Json));
        var statuses = await StatusesAsync();
        Assert.Equal(IncidentStatus.Acknowledged, statuses["satan"]);
        Assert.Equal(IncidentStatus.Resolved, statuses["back"]);
        Assert.Equal(IncidentStatus.Open, statuses["neptune"]);
    }

    [Fact]
    public async Task Bulk_close_needs_a_reason_and_viewers_are_refused()
    {
        var client = _app.ApiClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/incidents/bulk/close", new BulkRequest(null, "Open", null, null, null, null))).StatusCode);

        var viewer = await (await client.PostAsJsonAsync("/api/admin/keys", new Siem.Web.Identity.CreateKeyRequest("bulk-viewer", "Viewer"))).Content.ReadFromJsonAsync<Siem.Store.Identity.CreatedApiKey>();
        var refused = await _app.ApiClient(viewer!.Key).PostAsJsonAsync("/api/incidents/bulk/acknowledge", new BulkRequest(null, null, null, null, null, null));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(IncidentStatus.Open, (await StatusesAsync())["neptune"]);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _app.Dispose();
}
