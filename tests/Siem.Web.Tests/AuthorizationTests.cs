using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Identity;
using Siem.Web.Identity;

namespace Siem.Web.Tests;

public sealed class AuthorizationTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    /// <summary>Every route the app maps, with its parameters filled in, minus the few that must be public.</summary>
    public static IEnumerable<(string Method, string Path)> ProtectedRoutes(IServiceProvider services)
    {
        var sources = services.GetRequiredService<IEnumerable<EndpointDataSource>>();
        foreach (var endpoint in sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null
                || pattern.StartsWith('_') || pattern.StartsWith("/_", StringComparison.Ordinal)
                || pattern.Contains("{**", StringComparison.Ordinal) || pattern is "/not-found" or "/Error")
            {
                continue;
            }

            var path = "/" + System.Text.RegularExpressions.Regex.Replace(pattern.TrimStart('/'), @"\{[^}]+\}", "1");
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods)
            {
                yield return (method, path);
            }
        }
    }

    [Fact]
    public async Task Every_page_and_api_route_refuses_anonymous_callers()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var routes = ProtectedRoutes(app.Services).Distinct().ToList();
        Assert.Contains(routes, r => r.Path == "/api/uploads");
        Assert.Contains(routes, r => r.Path == "/upload");
        Assert.Contains(routes, r => r.Path.StartsWith("/hubs/live", StringComparison.Ordinal));

        foreach (var (method, path) in routes)
        {
            var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            if (path.StartsWith("/api", StringComparison.Ordinal) || path.StartsWith("/hubs", StringComparison.Ordinal) || path.StartsWith("/openapi", StringComparison.Ordinal))
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode}");
            }
            else
            {
                Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found, $"{method} {path} answered {(int)response.StatusCode}");
                Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Unauthenticated_api_calls_get_problem_details_not_a_login_page()
    {
        var response = await app.CreateClient().GetAsync("/api/incidents");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_or_revoked_keys_are_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ApiClient("not-a-key").GetAsync("/api/jobs")).StatusCode);

        var admin = app.ApiClient();
        var created = await (await admin.PostAsJsonAsync("/api/admin/keys", new CreateKeyRequest("temporary", SiemRoles.Analyst))).Content.ReadFromJsonAsync<CreatedApiKey>();
        var key = app.ApiClient(created!.Key);
        Assert.Equal(HttpStatusCode.OK, (await key.GetAsync("/api/jobs")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/admin/keys/{created.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await key.GetAsync("/api/jobs")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_can_read_but_cannot_act_on_incidents_or_upload()
    {
        var admin = app.ApiClient();
        var created = await (await admin.PostAsJsonAsync("/api/admin/keys", new CreateKeyRequest("viewer", SiemRoles.Viewer))).Content.ReadFromJsonAsync<CreatedApiKey>();
        var viewer = app.ApiClient(created!.Key);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/incidents")).StatusCode);
        var acknowledge = await viewer.PostAsJsonAsync("/api/incidents/1/acknowledge", new { note = "mine" });
        Assert.Equal(HttpStatusCode.Forbidden, acknowledge.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.UploadAsync("x.csv", "x")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/admin/keys")).StatusCode);
    }

    [Fact]
    public async Task Cookie_sessions_must_send_the_antiforgery_token_on_writes()
    {
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var loginPage = await client.GetStringAsync("/account/login");
        var token = System.Text.RegularExpressions.Regex.Match(loginPage, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = SiemAppFactory.AdminEmail,
            ["password"] = SiemAppFactory.AdminPassword,
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);
        var write = await client.PostAsync("/api/jobs/1/cancel", null);
        Assert.Equal(HttpStatusCode.BadRequest, write.StatusCode);
        Assert.Contains("antiforgery", await write.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Wrong_passwords_lock_the_account()
    {
        var admin = app.ApiClient();
        var created = await admin.PostAsJsonAsync("/api/admin/users", new CreateUserRequest("lock@test.local", "Some-Password-123", SiemRoles.Viewer));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            var page = await client.GetStringAsync("/account/login");
            var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
            last = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["email"] = "lock@test.local",
                ["password"] = i < 5 ? "wrong" : "Some-Password-123",
                ["__RequestVerificationToken"] = token,
            }));
        }

        // Locked: even the right password is refused, with the same answer as for an unknown email (no account enumeration).
        Assert.Contains("error=invalid", last!.Headers.Location!.OriginalString, StringComparison.Ordinal);
        await using var db = app.CreateDb();
        Assert.True((await db.Users.SingleAsync(u => u.Email == "lock@test.local")).LockoutEnd > DateTimeOffset.UtcNow);
    }
}
