using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Store.Persistence;

using Siem.Store.Identity;

namespace Siem.Web.Identity;

/// <summary>Authenticates <c>X-Api-Key</c> requests against the hashed keys in the store.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SiemDbContext db,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values) || values.ToString() is not { Length: > 0 } key)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = ApiKeyService.Hash(key);
        var apiKey = await db.ApiKeys.FirstOrDefaultAsync(k => k.Hash == hash && k.RevokedUtc == null, Context.RequestAborted);
        if (apiKey is null)
        {
            return AuthenticateResult.Fail("Invalid or revoked API key.");
        }

        // Recording last use is best effort and at most once a minute per key.
        var now = time.GetUtcNow().UtcDateTime;
        if (apiKey.LastUsedUtc is null || now - apiKey.LastUsedUtc > TimeSpan.FromMinutes(1))
        {
            await db.ApiKeys.Where(k => k.Id == apiKey.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedUtc, now), Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"key:{apiKey.Name}"),
            new Claim(ClaimTypes.Role, apiKey.Role),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
