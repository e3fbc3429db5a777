using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Domain.Incidents;
using Siem.Store.Notifications;
using Siem.Store.Persistence;

using Siem.TestSupport;

namespace Siem.Web.Tests.Notifications;

/// <summary>Notifications through the whole app to a real HTTP listener and a real SMTP server: rules, retries, escalation, the delivery log.</summary>
public sealed class NotificationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private static SiemAppFactory App(SmtpSink? smtp = null)
    {
        var app = new SiemAppFactory();
        app.Settings["Siem:Notifications:RetryDelay"] = "00:00:00.200";
        app.Settings["Siem:Notifications:PublicUrl"] = "https://siem.example.test/";
        if (smtp is not null)
        {
            app.Settings["Siem:Notifications:Smtp:Host"] = "127.0.0.1";
            app.Settings["Siem:Notifications:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            app.Settings["Siem:Notifications:Smtp:Security"] = "None";
            app.Settings["Siem:Notifications:Smtp:From"] = "siem@example.test";
        }

        return app;
    }

    private static NotificationRuleInput Webhook(string url, NotificationTrigger trigger = NotificationTrigger.Opened, int? after = null) =>
        new("SOC webhook", trigger, after, IncidentSeverity.Medium, null, null, NotificationChannel.Webhook, url, HeaderName: "Authorization", HeaderValue: "Bearer s3cret");

    private static async Task<NotificationRuleView> CreateRuleAsync(HttpClient client, NotificationRuleInput rule)
    {
        var response = await client.PostAsJsonAsync("/api/notifications/rules", rule, ApiHelpers.Json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<NotificationRuleView>(ApiHelpers.Json))!;
    }

    private static async Task<Incident> OpenIncidentAsync(SiemAppFactory app, HttpClient client, string host, string file = "floods.csv")
    {
        await client.UploadAndWaitAsync(file, RiskIncidentTests.Floods(Start, (0, host, 20)));
        await app.WaitForCorrelationAsync();
        await using var db = app.CreateDb();
        return await db.Incidents.AsNoTracking().SingleAsync(i => i.DstHost == host);
    }

    private static async Task<DeliveryView> WaitForDeliveryAsync(HttpClient client, Func<DeliveryView, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var log = (await client.GetFromJsonAsync<List<DeliveryView>>("/api/notifications/deliveries", ApiHelpers.Json))!;
            if (log.FirstOrDefault(done) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "no such delivery: " + string.Join("; ", log.Select(d => $"{d.Status} {d.Attempts} {d.LastResult}")));
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task An_opened_incident_is_posted_to_the_webhook_and_retried_after_a_failure()
    {
        await using var receiver = new WebhookReceiver(HttpStatusCode.ServiceUnavailable);
        await using var app = App();
        var client = app.ApiClient();
        var rule = await CreateRuleAsync(client, Webhook(receiver.Url));
        Assert.True(rule.HeaderValueSet);
        Assert.DoesNotContain("s3cret", await client.GetStringAsync("/api/notifications/rules"));

        var incident = await OpenIncidentAsync(app, client, "10.0.0.9");

        var refused = await receiver.NextAsync();
        var accepted = await receiver.NextAsync();
        Assert.Equal(refused.Body, accepted.Body);
        Assert.Equal(("POST", "Bearer s3cret", "application/json; charset=utf-8"), (accepted.Method, accepted.Headers["Authorization"], accepted.Headers["Content-Type"]));
        using var body = JsonDocument.Parse(accepted.Body);
        var sent = body.RootElement.GetProperty("incident");
        Assert.Equal("incident.opened", body.RootElement.GetProperty("trigger").GetString());
        Assert.Equal((incident.Id, "neptune", "dos", "High", "10.0.0.9", 20L), (sent.GetProperty("id").GetInt64(), sent.GetProperty("label").GetString(),
            sent.GetProperty("category").GetString(), sent.GetProperty("severity").GetString(), sent.GetProperty("host").GetString(), sent.GetProperty("alerts").GetInt64()));
        Assert.Equal($"https://siem.example.test/incidents/{incident.Id}", sent.GetProperty("url").GetString());
        Assert.Contains($"High incident #{incident.Id} opened: neptune (dos) on 10.0.0.9", body.RootElement.GetProperty("text").GetString());

        var delivery = await WaitForDeliveryAsync(client, d => d.IncidentId == incident.Id && d.Status == DeliveryStatus.Delivered);
        Assert.Equal((2, rule.Id, NotificationTrigger.Opened), (delivery.Attempts, delivery.RuleId, delivery.Trigger));
        Assert.StartsWith("HTTP 200 OK", delivery.LastResult);

        // A second incident on another host is announced once more; the first is not announced again.
        var second = await OpenIncidentAsync(app, client, "10.0.0.10", "more.csv");
        using var again = JsonDocument.Parse((await receiver.NextAsync()).Body);
        Assert.Equal(second.Id, again.RootElement.GetProperty("incident").GetProperty("id").GetInt64());
        await app.Services.GetRequiredService<NotificationDispatcher>().RunOnceAsync(CancellationToken.None);
        Assert.False(receiver.TryTake(out _));
        Assert.Equal(2, (await client.GetFromJsonAsync<List<DeliveryView>>($"/api/notifications/deliveries?ruleId={rule.Id}", ApiHelpers.Json))!.Count);
    }

    [Fact]
    public async Task A_webhook_that_keeps_failing_is_marked_failed_with_its_last_answer_after_the_set_attempts()
    {
        await using var receiver = new WebhookReceiver(HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError);
        await using var app = App();
        app.Settings["Siem:Notifications:MaxAttempts"] = "3";
        var client = app.ApiClient();
        await CreateRuleAsync(client, Webhook(receiver.Url) with { BodyTemplate = """{"msg": "{{summary}}", "n": {{incident.alerts}}}""" });

        var incident = await OpenIncidentAsync(app, client, "10.0.0.9");

        var delivery = await WaitForDeliveryAsync(client, d => d.IncidentId == incident.Id && d.Status == DeliveryStatus.Failed);
        Assert.Equal(3, delivery.Attempts);
        Assert.Equal("HTTP 500 Internal Server Error: try later", delivery.LastResult);
        using var body = JsonDocument.Parse((await receiver.NextAsync()).Body);
        Assert.Equal(20, body.RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task An_incident_mails_the_recipients_over_smtp_when_it_matches_the_rule_and_only_then()
    {
        await using var smtp = await SmtpSink.StartAsync();
        await using var app = App(smtp);
        var client = app.ApiClient();
        await CreateRuleAsync(client, new("Mail the SOC", NotificationTrigger.Opened, null, IncidentSeverity.High, null, "dos", NotificationChannel.Email,
            "soc@example.test; lead@example.test"));
        var other = await CreateRuleAsync(client, new("Only smurf", NotificationTrigger.Opened, null, IncidentSeverity.Low, "smurf", null, NotificationChannel.Email,
            "smurf@example.test"));

        var incident = await OpenIncidentAsync(app, client, "10.0.0.9");

        var mail = await smtp.NextAsync();
        Assert.Equal($"[SIEM] High incident #{incident.Id} opened: neptune (dos) on 10.0.0.9, 20 alerts", mail.Subject);
        Assert.Equal(["soc@example.test", "lead@example.test"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("siem@example.test", mail.From.Mailboxes.Single().Address);
        Assert.Contains($"https://siem.example.test/incidents/{incident.Id}", mail.TextBody);
        Assert.Contains("Host:       10.0.0.9", mail.TextBody);
        var delivery = await WaitForDeliveryAsync(client, d => d.IncidentId == incident.Id && d.Status == DeliveryStatus.Delivered);
        Assert.Contains("Ok", delivery.LastResult, StringComparison.OrdinalIgnoreCase);
        Assert.Empty((await client.GetFromJsonAsync<List<DeliveryView>>($"/api/notifications/deliveries?ruleId={other.Id}", ApiHelpers.Json))!);

        var test = await (await client.PostAsync($"/api/notifications/rules/{other.Id}/test", null)).Content.ReadFromJsonAsync<DeliveryView>(ApiHelpers.Json);
        Assert.Equal((DeliveryStatus.Delivered, true), (test!.Status, test.IsTest));
        Assert.StartsWith("[SIEM] Test notification opened", (await smtp.NextAsync()).Subject);
    }

    [Fact]
    public async Task An_incident_left_unacknowledged_escalates_once_and_an_acknowledged_one_does_not()
    {
        await using var receiver = new WebhookReceiver();
        await using var app = App();
        var client = app.ApiClient();
        await CreateRuleAsync(client, Webhook(receiver.Url, NotificationTrigger.Unacknowledged, after: 15));
        var dispatcher = app.Services.GetRequiredService<NotificationDispatcher>();

        var ignored = await OpenIncidentAsync(app, client, "10.0.0.9");
        var handled = await OpenIncidentAsync(app, client, "10.0.0.10", "second.csv");
        await dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.False(receiver.TryTake(out _)); // not yet 15 minutes

        var acknowledged = await client.PostAsJsonAsync($"/api/incidents/{handled.Id}/acknowledge", new { note = "on it" });
        Assert.True(acknowledged.IsSuccessStatusCode, await acknowledged.Content.ReadAsStringAsync());
        await using (var db = app.CreateDb())
        {
            // 16 minutes pass: everything happened 16 minutes earlier.
            await db.Incidents.ExecuteUpdateAsync(s => s.SetProperty(i => i.CreatedUtc, i => i.CreatedUtc.AddMinutes(-16)));
            await db.NotificationRules.ExecuteUpdateAsync(s => s.SetProperty(r => r.CreatedUtc, r => r.CreatedUtc.AddMinutes(-16)));
        }

        await dispatcher.RunOnceAsync(CancellationToken.None);
        using var body = JsonDocument.Parse((await receiver.NextAsync()).Body);
        Assert.Equal("incident.unacknowledged", body.RootElement.GetProperty("trigger").GetString());
        Assert.Equal(ignored.Id, body.RootElement.GetProperty("incident").GetProperty("id").GetInt64());
        Assert.Contains("unacknowledged for 15 min", body.RootElement.GetProperty("text").GetString());

        await dispatcher.RunOnceAsync(CancellationToken.None);
        Assert.False(receiver.TryTake(out _));
    }

    [Fact]
    public async Task Bad_rules_are_refused_with_the_reason_and_only_admins_manage_rules()
    {
        await using var app = App();
        var client = app.ApiClient();
        var valid = Webhook("https://hooks.example.test/services/T000/B000/XXXX");

        foreach (var (rule, reason) in new (NotificationRuleInput, string)[]
                 {
                     (valid with { Target = "ftp://example.test/x" }, "absolute http:// or https:// URL"),
                     (valid with { Target = "not a url" }, "absolute http:// or https:// URL"),
                     (valid with { BodyTemplate = """{"a": "{{incident.nope}}"}""" }, "Unknown placeholder {{incident.nope}}"),
                     (valid with { BodyTemplate = """{"a": {{summary}}}""" }, "not JSON once filled in"),
                     (valid with { Name = " " }, "needs a name"),
                     (valid with { Label = "teardrops" }, "not a label"),
                     (valid with { Trigger = NotificationTrigger.Unacknowledged }, "minutes an incident may stay unacknowledged"),
                     (valid with { Channel = NotificationChannel.Email, Target = "soc@example.test" }, "Siem:Notifications:Smtp:Host"),
                 })
        {
            var response = await client.PostAsJsonAsync("/api/notifications/rules", rule, ApiHelpers.Json);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }

        // Any http(s) URL is accepted: no vendor patterns.
        var created = await CreateRuleAsync(client, valid);
        var analyst = await ApiHelpers.ClientWithRoleAsync(app, client, Siem.Store.Identity.SiemRoles.Analyst);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync("/api/notifications/rules")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsync($"/api/notifications/rules/{created.Id}/test", null)).StatusCode);

        // A test to a URL nobody listens on answers with the error and is logged.
        var unreachable = await CreateRuleAsync(client, valid with { Target = $"http://127.0.0.1:{FreePort.Next()}/x" });
        var test = await (await client.PostAsync($"/api/notifications/rules/{unreachable.Id}/test", null)).Content.ReadFromJsonAsync<DeliveryView>(ApiHelpers.Json);
        Assert.Equal(DeliveryStatus.Failed, test!.Status);
        Assert.Contains("refused", test.LastResult, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(test.Id, (await client.GetFromJsonAsync<List<DeliveryView>>("/api/notifications/deliveries", ApiHelpers.Json))![0].Id);
    }
}
