using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Store.Persistence;

namespace Siem.Store;

/// <summary>
/// Store-wide work that must run on one ingest node at a time (correlation, notifications, retention): a worker holds
/// the lease of its name before each round. The holder renews it every round; another node takes it over once it has
/// not been renewed for <see cref="NodeOptions.ClaimTimeout"/>.
/// </summary>
public sealed class StoreLeases(IDbContextFactory<SiemDbContext> databases, IOptions<SiemOptions> options, TimeProvider time)
{
    public const string Correlation = "correlation";
    public const string Notifications = "notifications";
    public const string Retention = "retention";

    /// <summary>Takes or renews the lease; false while another node holds it.</summary>
    public async Task<bool> HoldAsync(string name, CancellationToken cancellationToken = default)
    {
        var node = options.Value.Node;
        var now = time.GetUtcNow().UtcDateTime;
        var until = now + node.ClaimTimeout;
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var held = await db.Leases.Where(l => l.Name == name && (l.Holder == node.Name || l.ExpiresUtc < now))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, node.Name).SetProperty(l => l.ExpiresUtc, until), cancellationToken);
        if (held == 1)
        {
            return true;
        }

        if (await db.Leases.AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }

        db.Leases.Add(new StoreLease { Name = name, Holder = node.Name, ExpiresUtc = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            return false; // another node created it first
        }
    }
}
