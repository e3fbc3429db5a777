using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Identity;

public sealed record UserView(string Id, string Email, IReadOnlyList<string> Roles, bool Disabled, bool LockedOut)
{
    public string Role => Roles.Count > 0 ? Roles[0] : "";
}

/// <summary>The outcome of a change to a user.</summary>
public abstract record UserAdminResult
{
    public sealed record Done(UserView User, string? NewPassword = null) : UserAdminResult;
    public sealed record NotFound(string Id) : UserAdminResult;
    public sealed record Invalid(string Reason) : UserAdminResult;
}

/// <summary>
/// User administration for the Admin page and <c>/api/admin/users</c>. Each call runs in its own scope
/// (Identity's <see cref="UserManager{TUser}"/> holds a database context, which must not live as long as a
/// Blazor circuit). Changes of role or state renew the security stamp, so sessions pick them up.
/// </summary>
public sealed class UserAdminService(IServiceScopeFactory scopes)
{
    public async Task<IReadOnlyList<UserView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var views = new List<UserView>();
        foreach (var user in await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(cancellationToken))
        {
            views.Add(await ViewAsync(users, user));
        }

        return views;
    }

    public async Task<UserAdminResult> CreateAsync(string email, string password, string role)
    {
        if (!SiemRoles.IsRole(role))
        {
            return new UserAdminResult.Invalid($"role must be one of {string.Join(", ", SiemRoles.All)}.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        var address = email.Trim();
        var user = new SiemUser { UserName = address, Email = address, EmailConfirmed = true };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            return Invalid(result);
        }

        await users.AddToRoleAsync(user, role);
        return new UserAdminResult.Done(await ViewAsync(users, user));
    }

    public Task<UserAdminResult> SetRoleAsync(string id, string role) => ChangeAsync(id, async (users, user) =>
    {
        if (!SiemRoles.IsRole(role))
        {
            return IdentityResult.Failed(new IdentityError { Description = $"role must be one of {string.Join(", ", SiemRoles.All)}." });
        }

        await users.RemoveFromRolesAsync(user, SiemRoles.All);
        return await users.AddToRoleAsync(user, role);
    });

    public Task<UserAdminResult> SetDisabledAsync(string id, bool disabled) => ChangeAsync(id, async (users, user) =>
    {
        user.Disabled = disabled;
        await users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : null);
        return await users.UpdateAsync(user);
    });

    /// <summary>Sets a new random password and returns it (shown once).</summary>
    public async Task<UserAdminResult> ResetPasswordAsync(string id)
    {
        var password = "Reset-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y') + "9";
        var result = await ChangeAsync(id, async (users, user) =>
            await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), password));
        return result is UserAdminResult.Done done ? done with { NewPassword = password } : result;
    }

    private async Task<UserAdminResult> ChangeAsync(string id, Func<UserManager<SiemUser>, SiemUser, Task<IdentityResult>> change)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = Users(scope);
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return new UserAdminResult.NotFound(id);
        }

        var result = await change(users, user);
        if (!result.Succeeded)
        {
            return Invalid(result);
        }

        await users.UpdateSecurityStampAsync(user);
        return new UserAdminResult.Done(await ViewAsync(users, user));
    }

    private static UserManager<SiemUser> Users(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<UserManager<SiemUser>>();

    private static async Task<UserView> ViewAsync(UserManager<SiemUser> users, SiemUser user) =>
        new(user.Id, user.Email ?? "", [.. await users.GetRolesAsync(user)], user.Disabled, await users.IsLockedOutAsync(user));

    private static UserAdminResult.Invalid Invalid(IdentityResult result) => new(string.Join(" ", result.Errors.Select(e => e.Description)));
}
