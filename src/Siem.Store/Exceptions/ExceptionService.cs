using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

namespace Siem.Store.Exceptions;

/// <summary>What an exception matches (null: anything) and why it exists.</summary>
public sealed record ExceptionInput(string? Label, string? DstHost, string? SrcHost, string? Service, int? DstPort, string? Protocol, string? Reason,
    DateTime? ExpiresUtc = null, long? FromIncidentId = null);

public sealed record ExceptionView(long Id, string? Label, string? DstHost, string? SrcHost, string? Service, int? DstPort, string? Protocol, string Reason,
    DateTime? ExpiresUtc, bool Enabled, string CreatedBy, DateTime CreatedUtc, DateTime UpdatedUtc, long? FromIncidentId, long SuppressedCount, DateTime? LastMatchedUtc)
{
    public bool Expired(DateTime nowUtc) => ExpiresUtc is { } expires && expires <= nowUtc;

    /// <summary>"label neptune, dst host 10.0.0.9, port 80".</summary>
    public string Conditions => string.Join(", ", new[]
    {
        Label is null ? null : $"label {Label}", DstHost is null ? null : $"dst host {DstHost}", SrcHost is null ? null : $"src host {SrcHost}",
        Service is null ? null : $"service {Service}", DstPort is null ? null : $"port {DstPort}", Protocol is null ? null : $"protocol {Protocol}",
    }.Where(c => c is not null));
}

/// <summary>The outcome of a change to an exception.</summary>
public abstract record ExceptionResult
{
    public sealed record Done(ExceptionView Exception) : ExceptionResult;
    public sealed record NotFound(long Id) : ExceptionResult;
}

/// <summary>
/// Exceptions for the Exceptions page, the incident and event details and <c>/api/exceptions</c>: create, edit,
/// enable/disable, delete, each audited with who and why; every change reloads the writers' rules at once.
/// </summary>
public sealed class ExceptionService(IDbContextFactory<SiemDbContext> databases, ExceptionRules rules, TimeProvider time)
{
    public async Task<IReadOnlyList<ExceptionView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var all = await db.Exceptions.AsNoTracking().OrderByDescending(e => e.Id).ToListAsync(cancellationToken);
        return [.. all.Select(View)];
    }

    public async Task<ExceptionView?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        return await db.Exceptions.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken) is { } e ? View(e) : null;
    }

    public async Task<ExceptionView> CreateAsync(ExceptionInput input, string actor, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var entity = new AlertException { Reason = "", CreatedBy = actor, CreatedUtc = now, UpdatedUtc = now, FromIncidentId = input.FromIncidentId };
        Apply(entity, Validate(input));
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        db.Exceptions.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        Audit(db, entity, actor, now, "Created", entity.Reason);
        await db.SaveChangesAsync(cancellationToken);
        rules.Reload();
        return View(entity);
    }

    public Task<ExceptionResult> UpdateAsync(long id, ExceptionInput input, string actor, CancellationToken cancellationToken = default)
    {
        var valid = Validate(input);
        return ChangeAsync(id, actor, "Edited", e => Apply(e, valid), valid.Reason, cancellationToken);
    }

    public Task<ExceptionResult> SetEnabledAsync(long id, bool enabled, string actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, actor, enabled ? "Enabled" : "Disabled", e => e.Enabled = enabled, null, cancellationToken);

    public async Task<ExceptionResult> DeleteAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        if (await db.Exceptions.FindAsync([id], cancellationToken) is not { } entity)
        {
            return new ExceptionResult.NotFound(id);
        }

        db.Exceptions.Remove(entity);
        Audit(db, entity, actor, time.GetUtcNow().UtcDateTime, "Deleted", View(entity).Conditions);
        await db.SaveChangesAsync(cancellationToken);
        rules.Reload();
        return new ExceptionResult.Done(View(entity));
    }

    private async Task<ExceptionResult> ChangeAsync(long id, string actor, string action, Action<AlertException> change, string? reason, CancellationToken cancellationToken)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        if (await db.Exceptions.FindAsync([id], cancellationToken) is not { } entity)
        {
            return new ExceptionResult.NotFound(id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        change(entity);
        entity.UpdatedUtc = now;
        Audit(db, entity, actor, now, action, reason);
        await db.SaveChangesAsync(cancellationToken);
        rules.Reload();
        return new ExceptionResult.Done(View(entity));
    }

    /// <summary>Trims the conditions (blank: any) and insists on a reason and at least one condition.</summary>
    private static ExceptionInput Validate(ExceptionInput input)
    {
        static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        var cleaned = input with
        {
            Label = Clean(input.Label)?.ToLowerInvariant(),
            DstHost = Clean(input.DstHost),
            SrcHost = Clean(input.SrcHost),
            Service = Clean(input.Service)?.ToLowerInvariant(),
            Protocol = Clean(input.Protocol)?.ToLowerInvariant(),
            Reason = Clean(input.Reason),
        };
        if (cleaned.Reason is null)
        {
            throw new InvalidInputException("An exception needs a reason: why these alerts are not a threat.");
        }

        if (cleaned is { Label: null, DstHost: null, SrcHost: null, Service: null, DstPort: null, Protocol: null })
        {
            throw new InvalidInputException("An exception needs at least one condition (label, host, service, port or protocol): one without would silence every alert.");
        }

        if (cleaned.DstPort is < 0 or > 65535)
        {
            throw new InvalidInputException($"port {cleaned.DstPort} is not between 0 and 65535.");
        }

        return cleaned;
    }

    private static void Apply(AlertException e, ExceptionInput input)
    {
        (e.Label, e.DstHost, e.SrcHost, e.Service, e.DstPort, e.Protocol) = (input.Label, input.DstHost, input.SrcHost, input.Service, input.DstPort, input.Protocol);
        (e.Reason, e.ExpiresUtc) = (input.Reason!, input.ExpiresUtc);
    }

    private static void Audit(SiemDbContext db, AlertException e, string actor, DateTime now, string action, string? reason) =>
        db.Audit.Add(new AuditEntry
        {
            AtUtc = now,
            Actor = actor,
            Action = action,
            EntityType = nameof(AlertException),
            EntityId = e.Id.ToString(CultureInfo.InvariantCulture),
            Reason = reason,
            Details = View(e).Conditions + (e.ExpiresUtc is { } expires ? $"; expires {expires:yyyy-MM-dd HH:mm} UTC" : ""),
        });

    private static ExceptionView View(AlertException e) => new(e.Id, e.Label, e.DstHost, e.SrcHost, e.Service, e.DstPort, e.Protocol, e.Reason,
        e.ExpiresUtc, e.Enabled, e.CreatedBy, e.CreatedUtc, e.UpdatedUtc, e.FromIncidentId, e.SuppressedCount, e.LastMatchedUtc);
}
