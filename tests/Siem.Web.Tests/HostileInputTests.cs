using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Events;
using Siem.Store.Incidents;
using Siem.Store.Persistence;
using Siem.Web.Incidents;

namespace Siem.Web.Tests;

/// <summary>Hostile requests from the hardening review: each answers a clear problem (never an HTML error page) and changes nothing.</summary>
public sealed class HostileInputTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    [Theory]
    [InlineData("confidence<NaN")]
    [InlineData("confidence<infinity")]
    [InlineData("confidence<1e309")]
    [InlineData("label:neptune\0")]
    public async Task Malformed_query_values_are_400_problem_details(string query)
    {
        var response = await app.ApiClient().GetAsync("/api/events?q=" + Uri.EscapeDataString(query));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_it_can_overflow_the_stack()
    {
        var deep = new string('(', 50_000) + "label:neptune" + new string(')', 50_000);
        var nots = string.Concat(Enumerable.Repeat("not ", 70)) + "unknown:true";

        Assert.Contains("longer than", Assert.Throws<EventQueryException>(() => EventQuery.Parse(deep)).Message);
        Assert.Contains("nest deeper than 64", Assert.Throws<EventQueryException>(() => EventQuery.Parse(new string('(', 65) + "unknown:true" + new string(')', 65))).Message);
        Assert.Contains("nest deeper than 64", Assert.Throws<EventQueryException>(() => EventQuery.Parse(nots)).Message);
        Assert.NotNull(EventQuery.Parse(new string('(', 60) + "unknown:true" + new string(')', 60)));
    }

    [Fact]
    public async Task A_huge_note_is_refused_and_a_long_one_is_a_400()
    {
        var client = app.ApiClient();
        var id = await AnIncidentAsync();

        var huge = await client.PostAsJsonAsync($"/api/incidents/{id}/notes", new IncidentActionRequest(null, new string('x', 2 * 1024 * 1024)));
        var tooLong = await client.PostAsJsonAsync($"/api/incidents/{id}/notes", new IncidentActionRequest(null, new string('x', IncidentService.MaxNoteLength + 1)));

        Assert.True(huge.StatusCode == HttpStatusCode.RequestEntityTooLarge, await huge.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", huge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        await using var db = app.CreateDb();
        Assert.Empty(await db.IncidentNotes.Where(n => n.IncidentId == id).ToListAsync());
    }

    [Fact]
    public async Task A_bulk_action_with_too_many_ids_is_a_400_and_changes_nothing()
    {
        var id = await AnIncidentAsync();
        var ids = Enumerable.Range(1, 33_000).Select(i => (long)i).ToList();

        var response = await app.ApiClient().PostAsJsonAsync("/api/incidents/bulk/acknowledge", new BulkRequest(ids, null, null, null, null, null));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 10,000", await response.Content.ReadAsStringAsync());
        await using var db = app.CreateDb();
        Assert.Equal(IncidentStatus.Open, (await db.Incidents.SingleAsync(i => i.Id == id)).Status);
    }

    [Fact]
    public async Task The_last_possible_page_is_empty_not_the_first()
    {
        await AnIncidentAsync();

        var page = await app.ApiClient().GetFromJsonAsync<Page<IncidentSummary>>("/api/incidents?page=2147483647&pageSize=500", ApiHelpers.Json);

        Assert.Empty(page!.Items);
        Assert.NotEqual(1, page.PageNumber);
    }

    [Fact]
    public async Task A_return_url_with_a_control_character_signs_in_to_the_dashboard()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        var login = await SignInAsync(client, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword, "/\t/evil");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task One_address_that_keeps_failing_is_throttled_even_with_the_right_password_next()
    {
        using var fresh = new SiemAppFactory(); // its own throttle: the other tests here sign in from the same address
        var client = fresh.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        for (var i = 0; i < Siem.Web.Identity.SignInThrottle.MaxFailures; i++)
        {
            var guess = await SignInAsync(client, $"guess-{i}@test.local", "Some-Password-123");
            Assert.Contains("error=invalid", guess.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        var right = await SignInAsync(client, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);

        Assert.Contains("error=throttled", right.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Contains("Too many failed sign-ins", await client.GetStringAsync(right.Headers.Location), StringComparison.Ordinal);
    }

    [Fact]
    public void The_throttle_counts_failures_per_address_and_forgets_them_after_its_window()
    {
        var time = new ManualTime();
        var throttle = new Siem.Web.Identity.SignInThrottle(time);
        var guesser = IPAddress.Parse("203.0.113.7");
        var colleague = IPAddress.Parse("203.0.113.8");
        for (var i = 0; i < Siem.Web.Identity.SignInThrottle.MaxFailures; i++)
        {
            Assert.False(throttle.IsThrottled(guesser));
            throttle.RecordFailure(guesser);
        }

        Assert.True(throttle.IsThrottled(guesser));
        Assert.False(throttle.IsThrottled(colleague));

        time.Advance(Siem.Web.Identity.SignInThrottle.Window);

        Assert.False(throttle.IsThrottled(guesser));
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    [Fact]
    public async Task An_unknown_email_and_a_wrong_password_get_the_same_answer()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        var unknown = await SignInAsync(client, "nobody@test.local", "Some-Password-123");
        var wrong = await SignInAsync(client, SiemAppFactory.AdminEmail, "Some-Password-123");

        Assert.Equal(unknown.Headers.Location, wrong.Headers.Location);
        Assert.Contains("error=invalid", unknown.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabling_a_user_or_signing_out_ends_the_session_at_once()
    {
        var admin = app.ApiClient();
        var created = await admin.PostAsJsonAsync("/api/admin/users", new Siem.Web.Identity.CreateUserRequest("short-lived@test.local", "Viewer-Password-42", "Viewer"));
        var user = (await created.Content.ReadFromJsonAsync<Siem.Store.Identity.UserView>(ApiHelpers.Json))!;
        var viewer = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await SignInAsync(viewer, "short-lived@test.local", "Viewer-Password-42");
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/events")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/admin/users/{user.Id}/disable", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.GetAsync("/api/events")).StatusCode);

        // Signing out: a copy of the cookie taken before is refused afterwards.
        var analyst = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var login = await SignInAsync(app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }),
            SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);
        var cookie = string.Join("; ", login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        using var before = new HttpRequestMessage(HttpMethod.Get, "/api/events") { Headers = { { "Cookie", cookie } } };
        Assert.Equal(HttpStatusCode.OK, (await analyst.SendAsync(before)).StatusCode);
        var session = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var logout = new HttpRequestMessage(HttpMethod.Post, "/account/logout") { Headers = { { "Cookie", cookie } } };
        await session.SendAsync(logout);
        using var replay = new HttpRequestMessage(HttpMethod.Get, "/api/events") { Headers = { { "Cookie", cookie } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await analyst.SendAsync(replay)).StatusCode);
    }

    [Fact]
    public async Task Answers_carry_security_headers_pages_a_script_policy()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var api = await app.ApiClient().GetAsync("/api/jobs");
        var page = await client.GetAsync("/account/login");

        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("default-src 'none'", api.Headers.GetValues("Content-Security-Policy").Single());
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password, string? returnUrl = null)
    {
        var loginPage = await client.GetStringAsync("/account/login");
        var token = Regex.Match(loginPage, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var form = new Dictionary<string, string> { ["email"] = email, ["password"] = password, ["__RequestVerificationToken"] = token };
        if (returnUrl is not null)
        {
            form["returnUrl"] = returnUrl;
        }

        return await client.PostAsync("/account/login", new FormUrlEncodedContent(form));
    }

    private async Task<long> AnIncidentAsync()
    {
        await using var db = app.CreateDb();
        var incident = new Incident { Label = "neptune", Category = "dos", Severity = IncidentSeverity.High, Status = IncidentStatus.Open, FirstSeenMs = 1, LastSeenMs = 2 };
        db.Incidents.Add(incident);
        await db.SaveChangesAsync();
        return incident.Id;
    }
}
