using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Siem.Store.Identity;
using Siem.Store.Persistence;

namespace Siem.Store;

/// <summary>
/// Runs before the background services: applies migrations, creates the roles, the first admin (password
/// from configuration, or generated and logged once) and the bootstrap API key when configured.
/// </summary>
public sealed class StoreInitializer(IServiceScopeFactory scopes, IOptions<SiemOptions> options, DataFolder folder, StoreBackend store, TimeProvider time, ILogger<StoreInitializer> logger) : IHostedService
{
    /// <summary>An upload file no job points at and not written for this long is left over from a crash mid-upload.</summary>
    public static readonly TimeSpan OrphanAge = TimeSpan.FromHours(1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        store.Prepare();
        await using var scope = scopes.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<SiemDbContext>();
        if (store.Provider == StoreProvider.Postgres)
        {
            // Else EF's first look at the migrations history on a new PostgreSQL database is logged as a failed command.
            await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);

        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in SiemRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        await RemoveOrphanedUploadsAsync(db, cancellationToken);
        await EnsureAdminAsync(services.GetRequiredService<UserManager<SiemUser>>());
        await services.GetRequiredService<Models.ModelVersionService>().StartAsync(cancellationToken);
        await services.GetRequiredService<Events.SavedSearchService>().EnsureBuiltInsAsync(cancellationToken);

        if (options.Value.Bootstrap.ApiKey is { Length: > 0 } bootstrapKey)
        {
            if (!await services.GetRequiredService<ApiKeyService>().EnsureBootstrapKeyAsync(bootstrapKey, cancellationToken))
            {
                logger.LogWarning("The configured bootstrap API key (Siem:Bootstrap:ApiKey) was revoked by an admin and stays revoked; remove it from the configuration or configure a new one");
            }
        }
    }

    /// <summary>
    /// Deletes files in <c>uploads/</c> that no unfinished job needs (a crash while an upload was being received leaves one,
    /// as does a finished job's file that could not be deleted):
    /// only those not written for <see cref="OrphanAge"/>, so an upload still arriving (another node) is left alone.
    /// </summary>
    private async Task RemoveOrphanedUploadsAsync(SiemDbContext db, CancellationToken cancellationToken)
    {
        var keepDone = options.Value.Ingest.KeepUploadedFiles;
        var referenced = (await db.Jobs.Where(j => keepDone || (j.Status != JobStatus.Completed && j.Status != JobStatus.Cancelled))
            .Select(j => j.StoredPath).ToListAsync(cancellationToken)).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var cutoff = time.GetUtcNow().UtcDateTime - OrphanAge;
        long removed = 0, bytes = 0;
        foreach (var file in new DirectoryInfo(folder.Uploads).EnumerateFiles())
        {
            if (!referenced.Contains(file.Name) && file.LastWriteTimeUtc < cutoff)
            {
                bytes += file.Length;
                file.Delete();
                removed++;
            }
        }

        if (removed > 0)
        {
            logger.LogWarning("Removed {Files} upload files no job points at ({Bytes:N0} bytes), left over from uploads interrupted by a crash", removed, bytes);
        }
    }

    private async Task EnsureAdminAsync(UserManager<SiemUser> users)
    {
        var admin = options.Value.Admin;
        if (admin.ResetPassword && await users.FindByEmailAsync(admin.Email) is { } existing)
        {
            await ResetAdminAsync(users, existing);
            return;
        }

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

    private async Task ResetAdminAsync(UserManager<SiemUser> users, SiemUser user)
    {
        var admin = options.Value.Admin;
        var generated = string.IsNullOrEmpty(admin.Password);
        var password = generated ? GeneratePassword() : admin.Password!;
        var result = await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Could not reset the admin's password: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        user.Disabled = false;
        await users.UpdateAsync(user);
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        if (!await users.IsInRoleAsync(user, SiemRoles.Admin))
        {
            await users.AddToRoleAsync(user, SiemRoles.Admin);
        }

        logger.LogWarning(
            "\n==================== ADMIN PASSWORD RESET ====================\n  email:    {Email}\n  password: {Password}\n  Remove Siem__Admin__ResetPassword now: every start resets it again.\n==============================================================",
            admin.Email, generated ? password : "(the configured Siem__Admin__Password)");
    }

    private static string GeneratePassword()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = Enumerable.Range(0, 20).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray();
        return new string(chars) + "-9aZ"; // guarantees a digit, both cases and a symbol for Identity's rules
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
