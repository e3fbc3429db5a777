using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Web.Tests;

/// <summary>Two app instances on one store share the Data Protection key ring (in the database): a sign-in cookie from one is valid on the other.</summary>
public sealed partial class SharedKeysTests
{
    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task A_cookie_issued_by_one_instance_is_accepted_by_another_on_the_same_store(StoreProvider provider)
    {
        await using var first = SiemAppFactory.On(provider);
        var browserOnFirst = first.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var loginPage = await browserOnFirst.GetAsync("/account/login");
        var cookies = CookiesOf(loginPage);
        var token = AntiforgeryField().Match(await loginPage.Content.ReadAsStringAsync()).Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = SiemAppFactory.AdminEmail,
            ["password"] = SiemAppFactory.AdminPassword,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = token,
        });
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = form };
        post.Headers.Add("Cookie", cookies);
        var signedIn = await browserOnFirst.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = CookiesOf(signedIn);
        Assert.Contains("siem.auth=", session);

        await using var second = first.AnotherNode();
        var browserOnSecond = second.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
        withCookie.Headers.Add("Cookie", session);

        Assert.Equal(HttpStatusCode.OK, (await browserOnSecond.SendAsync(withCookie)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browserOnSecond.GetAsync("/api/jobs")).StatusCode);
        await using var db = first.CreateDb();
        Assert.True(await db.DataProtectionKeys.AnyAsync(), "the key ring is in the database");
    }

    private static string CookiesOf(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);
}
