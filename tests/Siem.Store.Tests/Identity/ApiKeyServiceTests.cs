using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.TestSupport;

namespace Siem.Store.Tests.Identity;

/// <summary>API keys on a real SQLite file: the configured bootstrap key never undoes a revocation, and keeps none of its secret in clear.</summary>
public sealed class ApiKeyServiceTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    [Fact]
    public async Task A_revoked_bootstrap_key_stays_revoked_at_the_next_start_and_its_secret_is_not_shown()
    {
        var options = new DbContextOptionsBuilder<SiemDbContext>().UseSqlite($"Data Source={_folder.File("siem.db")};Pooling=False").Options;
        await using (var db = new SiemDbContext(options))
        {
            await db.Database.MigrateAsync();
        }

        var keys = new ApiKeyService(new PooledDbContextFactory<SiemDbContext>(options), TimeProvider.System);

        Assert.True(await keys.EnsureBootstrapKeyAsync("short-secret-1"));
        var bootstrap = Assert.Single(await keys.ListAsync());
        Assert.True(await keys.RevokeAsync(bootstrap.Id, "admin@test"));

        Assert.False(await keys.EnsureBootstrapKeyAsync("short-secret-1")); // the next start
        Assert.Null(await keys.AuthenticateAsync("short-secret-1"));
        Assert.Equal("(configured)", bootstrap.Prefix);
        var generated = await keys.CreateAsync("sensor", SiemRoles.Analyst, "admin@test");
        Assert.Equal(48, generated.Key.Length); // "siem_" + 256 random bits in base64url
        Assert.Equal(generated.Key[..10], (await keys.ListAsync()).First(k => k.Id == generated.Id).Prefix);
    }

    public void Dispose() => _folder.Dispose();
}
