using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Events;
using Siem.Store.Exceptions;
using Siem.Web.Exceptions;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>Exceptions from an incident: the next matching alerts are stored suppressed, grow no incident, count on the exception; audited; they expire.</summary>
public sealed class ExceptionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    internal static string Floods(string host, int fromSecond, int count = 20) => RiskIncidentTests.Floods(Start, (fromSecond, host, count));

    [Fact]
    public async Task An_exception_made_from_an_incident_suppresses_the_next_matching_alerts_and_counts_them()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        await client.UploadAndWaitAsync("first.csv", Floods("10.0.0.9", 0));
        await app.WaitForCorrelationAsync();
        long incidentId;
        await using (var db = app.CreateDb())
        {
            incidentId = (await db.Incidents.SingleAsync()).Id;
        }

        var draft = (await client.GetFromJsonAsync<ExceptionInput>($"/api/incidents/{incidentId}/exception-draft", ApiHelpers.Json))!;
        var missingReason = await client.PostAsJsonAsync("/api/exceptions", new ExceptionRequest(draft.Label, draft.DstHost, null, draft.Service, null, null, " "));
        var created = await client.PostAsJsonAsync("/api/exceptions",
            new ExceptionRequest(draft.Label, draft.DstHost, null, draft.Service, null, null, "our own load test against the web tier", FromIncidentId: incidentId));
        var exception = (await created.Content.ReadFromJsonAsync<ExceptionView>(ApiHelpers.Json))!;

        await client.UploadAndWaitAsync("second.csv", Floods("10.0.0.9", 60));
        await app.WaitForCorrelationAsync();

        Assert.Equal(("neptune", "10.0.0.9", "private"), (draft.Label, draft.DstHost, draft.Service));
        Assert.Equal(HttpStatusCode.BadRequest, missingReason.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var after = (await client.GetFromJsonAsync<ExceptionView>($"/api/exceptions/{exception.Id}", ApiHelpers.Json))!;
        Assert.Equal(20, after.SuppressedCount);
        Assert.NotNull(after.LastMatchedUtc);
        var suppressed = await client.GetFromJsonAsync<Page<EventView>>("/api/events?q=" + Uri.EscapeDataString("suppressed:true"), ApiHelpers.Json);
        Assert.Equal(20, suppressed!.Total);
        await using (var db = app.CreateDb())
        {
            var incident = await db.Incidents.SingleAsync();
            Assert.Equal(20, incident.AlertCount); // the suppressed alerts did not grow it
            Assert.Contains(await db.Audit.Where(a => a.EntityType == "AlertException").ToListAsync(),
                a => a.Action == "Created" && a.Reason == "our own load test against the web tier" && a.Actor.StartsWith("key:", StringComparison.Ordinal));
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/exceptions/{exception.Id}/disable", null)).StatusCode);
        await client.UploadAndWaitAsync("third.csv", Floods("10.0.0.9", 120));
        await app.WaitForCorrelationAsync();
        await using (var db = app.CreateDb())
        {
            Assert.Equal(40, (await db.Incidents.SingleAsync()).AlertCount); // disabled: alerts count again
        }
    }

    [Fact]
    public async Task An_expired_exception_suppresses_nothing()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        var created = await client.PostAsJsonAsync("/api/exceptions",
            new ExceptionRequest("neptune", "10.0.0.8", null, null, null, null, "maintenance window", Expires: DateTimeOffset.UtcNow.AddMinutes(-1)));

        await client.UploadAndWaitAsync("floods.csv", Floods("10.0.0.8", 0));
        await app.WaitForCorrelationAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await using var db = app.CreateDb();
        Assert.Equal(20, (await db.Incidents.SingleAsync()).AlertCount);
        Assert.Equal(0, await db.Events.CountAsync(e => e.Suppressed));
    }
}
