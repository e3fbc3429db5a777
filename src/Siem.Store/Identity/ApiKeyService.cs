using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Identity;

public sealed record CreatedApiKey(long Id, string Name, string Role, string Key);

public sealed record ApiKeyView(long Id, string Name, string Prefix, string Role, string CreatedBy, DateTime CreatedUtc, DateTime? RevokedUtc, DateTime? LastUsedUtc);

/// <summary>API keys: random secrets shown once; only their SHA-256 hash is stored.</summary>
public sealed class ApiKeyService(IDbContextFactory<SiemDbContext> databases, TimeProvider time)
{
    private const string SecretPrefix = "siem_";

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<CreatedApiKey> CreateAsync(string name, string role, string createdBy, string? secret = null, CancellationToken cancellationToken = default)
    {
        if (!SiemRoles.IsRole(role))
        {
            throw new ArgumentException($"Unknown role '{role}'; expected {string.Join(", ", SiemRoles.All)}.", nameof(role));
        }

        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var key = secret ?? SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var entity = new ApiKey
        {
            Name = name.Trim(),
            // Generated keys are "siem_" + 256 random bits: their first 10 characters (30 bits) identify them without
            // weakening them. A configured secret may be short, so none of it is kept in clear.
            Prefix = secret is null ? key[..10] : "(configured)",
            Hash = Hash(key),
            Role = role,
            CreatedBy = createdBy,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
        };
        db.ApiKeys.Add(entity);
        db.Audit.Add(new AuditEntry { AtUtc = entity.CreatedUtc, Actor = createdBy, Action = "Created", EntityType = nameof(ApiKey), EntityId = entity.Name, Details = $"role {role}" });
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(entity.Id, entity.Name, role, key);
    }

    public async Task<bool> RevokeAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FindAsync([id], cancellationToken);
        if (key is null || key.RevokedUtc is not null)
        {
            return false;
        }

        key.RevokedUtc = time.GetUtcNow().UtcDateTime;
        db.Audit.Add(new AuditEntry { AtUtc = key.RevokedUtc.Value, Actor = actor, Action = "Revoked", EntityType = nameof(ApiKey), EntityId = key.Name });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    public async Task<List<ApiKeyView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.Id)
            .Select(k => new ApiKeyView(k.Id, k.Name, k.Prefix, k.Role, k.CreatedBy, k.CreatedUtc, k.RevokedUtc, k.LastUsedUtc))
            .ToListAsync(cancellationToken);
    }

    /// <summary>The active key with this secret (its last use recorded, at most once a minute), or null.</summary>
    public async Task<ApiKeyView?> AuthenticateAsync(string secret, CancellationToken cancellationToken = default)
    {
        var hash = Hash(secret);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash && k.RevokedUtc == null, cancellationToken);
        if (key is null)
        {
            return null;
        }

        // Recording last use is best effort and at most once a minute per key.
        var now = time.GetUtcNow().UtcDateTime;
        if (key.LastUsedUtc is null || now - key.LastUsedUtc > TimeSpan.FromMinutes(1))
        {
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedUtc, now), cancellationToken);
        }

        return new ApiKeyView(key.Id, key.Name, key.Prefix, key.Role, key.CreatedBy, key.CreatedUtc, key.RevokedUtc, now);
    }

    /// <summary>Makes sure an admin key with exactly this secret exists (Siem:Bootstrap:ApiKey), unless an admin revoked it.</summary>
    /// <returns>False when the key exists but an admin revoked it: it stays revoked (a configuration value must not undo a revocation).</returns>
    public async Task<bool> EnsureBootstrapKeyAsync(string secret, CancellationToken cancellationToken = default)
    {
        var hash = Hash(secret);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var existing = await db.ApiKeys.FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
        if (existing is null)
        {
            await CreateAsync("bootstrap", SiemRoles.Admin, "system", secret, cancellationToken);
        }
        else if (existing.RevokedUtc is not null)
        {
            return false;
        }
        else if (existing.Role != SiemRoles.Admin)
        {
            existing.Role = SiemRoles.Admin;
            await db.SaveChangesAsync(cancellationToken);
        }

        return true;
    }
}
