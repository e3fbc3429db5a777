using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Siem.Store.Identity;
using Siem.Store.Persistence;

namespace Siem.Web.Identity;

/// <summary>Sign-in and sign-out form posts (the sign-in page is a static Blazor form).</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/login", async ([FromForm] string email, [FromForm] string password, [FromForm] string? returnUrl,
            SignInManager<SiemUser> signIn, UserManager<SiemUser> users) =>
        {
            var target = SafeReturnUrl(returnUrl);
            var user = await users.FindByEmailAsync(email.Trim());
            if (user is null || user.Disabled)
            {
                return Results.LocalRedirect($"/account/login?error=invalid&returnUrl={Uri.EscapeDataString(target)}");
            }

            var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                return Results.LocalRedirect(target);
            }

            var error = result.IsLockedOut ? "locked" : "invalid";
            return Results.LocalRedirect($"/account/login?error={error}&returnUrl={Uri.EscapeDataString(target)}");
        }).AllowAnonymous();

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
