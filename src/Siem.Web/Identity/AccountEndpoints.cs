using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Siem.Store.Identity;
using Siem.Store.Persistence;

namespace Siem.Web.Identity;

/// <summary>Sign-in and sign-out form posts (the sign-in page is a static Blazor form).</summary>
public static class AccountEndpoints
{
    /// <summary>A hash of a random password, verified for unknown emails so that they take as long as known ones.</summary>
    private static readonly string TimingDecoyHash = new PasswordHasher<SiemUser>().HashPassword(new SiemUser(), Guid.NewGuid().ToString("N"));

    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", async ([FromForm] string email, [FromForm] string password, [FromForm] string? returnUrl,
            SignInManager<SiemUser> signIn, UserManager<SiemUser> users, SignInThrottle throttle, HttpContext context, ILogger<SignInThrottle> log) =>
        {
            var target = SafeReturnUrl(returnUrl);
            var address = context.Connection.RemoteIpAddress;
            if (throttle.IsThrottled(address))
            {
                // Checked before any password: a throttled address learns nothing, not even whether it guessed right.
                log.LogWarning("Sign-in refused: too many failed sign-ins from {Address}", address);
                return Results.LocalRedirect($"/account/login?error=throttled&returnUrl={Uri.EscapeDataString(target)}");
            }

            var failed = Results.LocalRedirect($"/account/login?error=invalid&returnUrl={Uri.EscapeDataString(target)}");
            var user = await users.FindByEmailAsync(email.Trim());
            if (user is null || user.Disabled)
            {
                // Hash the password anyway: an unknown email must cost as long as a wrong password, or timing tells which accounts exist.
                users.PasswordHasher.VerifyHashedPassword(new SiemUser(), TimingDecoyHash, password);
                throttle.RecordFailure(address);
                return failed;
            }

            var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
            if (!result.Succeeded)
            {
                throttle.RecordFailure(address);
            }

            // A locked account answers like a wrong password (the page says accounts lock): "locked" would tell which emails exist.
            return result.Succeeded ? Results.LocalRedirect(target) : failed;
        }).AllowAnonymous();

        app.MapPost("/account/password", async ([FromForm] string currentPassword, [FromForm] string newPassword,
            SignInManager<SiemUser> signIn, UserManager<SiemUser> users, HttpContext context) =>
        {
            if (await users.GetUserAsync(context.User) is not { } user)
            {
                return Results.LocalRedirect("/account/password?error=apikey");
            }

            var result = await users.ChangePasswordAsync(user, currentPassword, newPassword);
            if (!result.Succeeded)
            {
                var wrong = result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch));
                var reason = wrong ? "wrong" : string.Join(" ", result.Errors.Select(e => e.Description));
                return Results.LocalRedirect($"/account/password?error={Uri.EscapeDataString(reason)}");
            }

            // The change renewed the security stamp (other sessions end); this one gets a fresh cookie.
            await signIn.RefreshSignInAsync(user);
            return Results.LocalRedirect("/account/password?done=true");
        });

        app.MapPost("/account/logout", async (SignInManager<SiemUser> signIn, UserManager<SiemUser> users, HttpContext context) =>
        {
            // A new security stamp makes every cookie issued before it invalid: a copied cookie cannot be replayed after sign-out.
            if (await users.GetUserAsync(context.User) is { } user)
            {
                await users.UpdateSecurityStampAsync(user);
            }

            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });
    }

    /// <summary>A path on this site, or "/": no other host, no scheme-relative or backslash tricks, no control characters (which LocalRedirect refuses with a 500).</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 and <= 2048 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
        && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            ? url
            : "/";
}
