using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Store.Identity;
using Siem.Store.Persistence;

namespace Siem.Store;

/// <summary>
/// Runs before the background services: applies migrations, creates the roles, the first admin (password
/// from configuration, or generated and logged once) and the bootstrap API key when configured.
/// </summary>
public sealed class StoreInitializer(IServiceScopeFactory scopes, IOptions<SiemOptions> options, ILogger<StoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<SiemDbContext>();
        await db.Database.MigrateAsync(cancellationToken);

        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in SiemRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        await EnsureAdminAsync(services.GetRequiredService<UserManager<SiemUser>>());
        await services.GetRequiredService<Models.ModelVersionService>().StartAsync(cancellationToken);

        if (options.Value.Bootstrap.ApiKey is { Length: > 0 } bootstrapKey)
        {
            if (!await services.GetRequiredService<ApiKeyService>().EnsureBootstrapKeyAsync(bootstrapKey, cancellationToken))
            {
                logger.LogWarning("The configured bootstrap API key (Siem:Bootstrap:ApiKey) was revoked by an admin and stays revoked; remove it from the configuration or configure a new one");
            }
        }
    }

    private async Task EnsureAdminAsync(UserManager<SiemUser> users)
    {
        var admin = options.Value.Admin;
        if ((await users.GetUsersInRoleAsync(SiemRoles.Admin)).Count > 0)
        {
            return;
        }

        var generated = string.IsNullOrEmpty(admin.Password);
        var password = generated ? GeneratePassword() : admin.Password!;
        var user = await users.FindByEmailAsync(admin.Email) ?? new SiemUser { UserName = admin.Email, Email = admin.Email, EmailConfirmed = true, DisplayName = "Administrator" };
        var result = user.Id is { Length: > 0 } && await users.FindByIdAsync(user.Id) is not null
            ? await users.AddPasswordAsync(user, password)
            : await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Could not create the first admin: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        await users.AddToRoleAsync(user, SiemRoles.Admin);
        if (generated)
        {
            // Logged once, at creation: the password is not stored anywhere else in clear.
            logger.LogWarning(
                "\n==================== FIRST ADMIN ====================\n  email:    {Email}\n  password: {Password}\n  (set Siem__Admin__Password to choose it yourself)\n=====================================================",
                admin.Email, password);
        }
        else
        {
            logger.LogInformation("Created the first admin {Email} with the configured password", admin.Email);
        }
    }

    private static string GeneratePassword()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = Enumerable.Range(0, 20).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray();
        return new string(chars) + "-9aZ"; // guarantees a digit, both cases and a symbol for Identity's rules
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
