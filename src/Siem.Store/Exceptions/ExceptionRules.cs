using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Store.Persistence;

namespace Siem.Store.Exceptions;

/// <summary>
/// The enabled exceptions as the writers match them: an immutable snapshot, loaded once and reloaded whenever
/// <see cref="ExceptionService"/> changes one, so the hot write path never queries for them.
/// </summary>
public sealed class ExceptionRules(IDbContextFactory<SiemDbContext> databases)
{
    private volatile IReadOnlyList<ExceptionRule>? _current;

    public IReadOnlyList<ExceptionRule> Current => _current ??= Load();

    public void Reload() => _current = Load();

    private List<ExceptionRule> Load()
    {
        using var db = databases.CreateDbContext();
        return [.. db.Exceptions.AsNoTracking().Where(e => e.Enabled).OrderBy(e => e.Id).AsEnumerable().Select(ToRule)];
    }

    public static ExceptionRule ToRule(AlertException e) => new(e.Id, e.Label, e.DstHost, e.SrcHost, e.Service, e.DstPort, e.Protocol, e.ExpiresUtc);
}
