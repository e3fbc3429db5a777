using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Domain.Incidents;
using Siem.Domain.Labels;
using Siem.Store.Persistence;

namespace Siem.Store.Notifications;

/// <summary>A rule as entered: blank label/category match any; the target is the webhook URL or the mail recipients.</summary>
public sealed record NotificationRuleInput(string? Name, NotificationTrigger Trigger, int? EscalateAfterMinutes, IncidentSeverity MinSeverity, string? Label,
    string? Category, NotificationChannel Channel, string? Target, string? BodyTemplate = null, string? HeaderName = null, string? HeaderValue = null);

public sealed record DeliveryView(long Id, long RuleId, string RuleName, long? IncidentId, NotificationTrigger Trigger, bool IsTest, DeliveryStatus Status,
    int Attempts, DateTime CreatedUtc, DateTime? LastAttemptUtc, DateTime? DeliveredUtc, DateTime? NextAttemptUtc, string? LastResult);

/// <summary>A rule as shown: a header's value is never shown back, only whether one is set.</summary>
public sealed record NotificationRuleView(long Id, string Name, bool Enabled, NotificationTrigger Trigger, int? EscalateAfterMinutes, IncidentSeverity MinSeverity,
    string? Label, string? Category, NotificationChannel Channel, string Target, string? BodyTemplate, string? HeaderName, bool HeaderValueSet,
    string CreatedBy, DateTime CreatedUtc, DateTime UpdatedUtc, DeliveryView? LastDelivery)
{
    /// <summary>"opened, severity High or more, category dos".</summary>
    public string Conditions => string.Join(", ", new[]
    {
        Trigger == NotificationTrigger.Opened ? "opened" : $"open and unacknowledged after {EscalateAfterMinutes} min",
        MinSeverity == IncidentSeverity.Low ? null : $"severity {MinSeverity} or more",
        Label is null ? null : $"label {Label}",
        Category is null ? null : $"category {Category}",
    }.Where(c => c is not null));
}

public abstract record NotificationResult
{
    public sealed record Done(NotificationRuleView Rule) : NotificationResult;
    public sealed record NotFound(long Id) : NotificationResult;
}

/// <summary>
/// Notification rules and their delivery log for the Notifications page and <c>/api/notifications</c> (Admins):
/// create, edit, enable/disable, delete (audited), and "send test", which sends at once and logs the answer.
/// </summary>
public sealed class NotificationService(IDbContextFactory<SiemDbContext> databases, NotificationSender sender, NotificationDispatcher dispatcher,
    IOptions<SiemOptions> options, TimeProvider time)
{
    public bool SmtpConfigured => options.Value.Notifications.Smtp.Configured;

    public async Task<IReadOnlyList<NotificationRuleView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var rules = await db.NotificationRules.AsNoTracking().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        var ids = rules.Select(r => r.Id).ToList();
        var lastIds = await db.NotificationDeliveries.Where(d => ids.Contains(d.RuleId)).GroupBy(d => d.RuleId).Select(g => g.Max(d => d.Id)).ToListAsync(cancellationToken);
        var last = await db.NotificationDeliveries.AsNoTracking().Where(d => lastIds.Contains(d.Id)).ToDictionaryAsync(d => d.RuleId, cancellationToken);
        return [.. rules.Select(r => View(r, last.GetValueOrDefault(r.Id)))];
    }

    public async Task<NotificationRuleView?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var rule = await db.NotificationRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        return rule is null ? null : View(rule, await db.NotificationDeliveries.AsNoTracking().Where(d => d.RuleId == id).OrderByDescending(d => d.Id).FirstOrDefaultAsync(cancellationToken));
    }

    /// <summary>The latest deliveries, newest first (of one rule when given).</summary>
    public async Task<IReadOnlyList<DeliveryView>> DeliveriesAsync(long? ruleId = null, int take = 50, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var query = db.NotificationDeliveries.AsNoTracking();
        if (ruleId is { } id)
        {
            query = query.Where(d => d.RuleId == id);
        }

        var rows = await query.OrderByDescending(d => d.Id).Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken);
        return [.. rows.Select(DeliveryViewOf)];
    }

    public async Task<NotificationRuleView> CreateAsync(NotificationRuleInput input, string actor, CancellationToken cancellationToken = default)
    {
        var valid = Validate(input);
        var now = time.GetUtcNow().UtcDateTime;
        var rule = new NotificationRule { Name = "", Target = "", CreatedBy = actor, CreatedUtc = now, UpdatedUtc = now };
        Apply(rule, valid);
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        db.NotificationRules.Add(rule);
        await db.SaveChangesAsync(cancellationToken);
        Audit(db, rule, actor, now, "Created");
        await db.SaveChangesAsync(cancellationToken);
        return View(rule, null);
    }

    public Task<NotificationResult> UpdateAsync(long id, NotificationRuleInput input, string actor, CancellationToken cancellationToken = default)
    {
        var valid = Validate(input);
        return ChangeAsync(id, actor, "Edited", r => Apply(r, valid), cancellationToken);
    }

    public Task<NotificationResult> SetEnabledAsync(long id, bool enabled, string actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, actor, enabled ? "Enabled" : "Disabled", r => r.Enabled = enabled, cancellationToken);

    public async Task<NotificationResult> DeleteAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        if (await db.NotificationRules.FindAsync([id], cancellationToken) is not { } rule)
        {
            return new NotificationResult.NotFound(id);
        }

        db.NotificationRules.Remove(rule);
        // Its log stays; what was still to be sent is not sent.
        await db.NotificationDeliveries.Where(d => d.RuleId == id && d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.LastResult, "rule deleted"), cancellationToken);
        Audit(db, rule, actor, time.GetUtcNow().UtcDateTime, "Deleted");
        await db.SaveChangesAsync(cancellationToken);
        return new NotificationResult.Done(View(rule, null));
    }

    /// <summary>Sends a sample incident over the rule's channel now (one attempt) and logs the answer; null when there is no such rule.</summary>
    public async Task<DeliveryView?> SendTestAsync(long id, string actor, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        if (await db.NotificationRules.FindAsync([id], cancellationToken) is not { } rule)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var outcome = await sender.SendAsync(rule, IncidentFacts.Sample(now), rule.Trigger, test: true, cancellationToken);
        var delivery = new NotificationDelivery
        {
            RuleId = rule.Id,
            RuleName = rule.Name,
            Trigger = rule.Trigger,
            IsTest = true,
            Attempts = 1,
            CreatedUtc = now.UtcDateTime,
            NextAttemptUtc = now.UtcDateTime,
            LastAttemptUtc = now.UtcDateTime,
            Status = outcome.Delivered ? DeliveryStatus.Delivered : DeliveryStatus.Failed,
            DeliveredUtc = outcome.Delivered ? time.GetUtcNow().UtcDateTime : null,
            LastResult = outcome.Result,
        };
        db.NotificationDeliveries.Add(delivery);
        db.Audit.Add(new AuditEntry
        {
            AtUtc = now.UtcDateTime,
            Actor = actor,
            Action = "Test sent",
            EntityType = nameof(NotificationRule),
            EntityId = rule.Id.ToString(CultureInfo.InvariantCulture),
            Details = outcome.Result,
        });
        await db.SaveChangesAsync(cancellationToken);
        return DeliveryViewOf(delivery);
    }

    private async Task<NotificationResult> ChangeAsync(long id, string actor, string action, Action<NotificationRule> change, CancellationToken cancellationToken)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        if (await db.NotificationRules.FindAsync([id], cancellationToken) is not { } rule)
        {
            return new NotificationResult.NotFound(id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        change(rule);
        rule.UpdatedUtc = now;
        Audit(db, rule, actor, now, action);
        await db.SaveChangesAsync(cancellationToken);
        dispatcher.Signal();
        return new NotificationResult.Done(View(rule, null));
    }

    private NotificationRuleInput Validate(NotificationRuleInput input)
    {
        static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        var valid = input with
        {
            Name = Clean(input.Name) ?? throw new InvalidInputException("A rule needs a name."),
            Label = Clean(input.Label)?.ToLowerInvariant(),
            Category = Clean(input.Category)?.ToLowerInvariant(),
            Target = Clean(input.Target),
            BodyTemplate = Clean(input.BodyTemplate),
            HeaderName = Clean(input.HeaderName),
            HeaderValue = Clean(input.HeaderValue),
            EscalateAfterMinutes = input.Trigger == NotificationTrigger.Unacknowledged ? input.EscalateAfterMinutes : null,
        };
        if (valid.Trigger == NotificationTrigger.Unacknowledged && valid.EscalateAfterMinutes is not (>= 1 and <= 10_080))
        {
            throw new InvalidInputException("An escalation rule needs the minutes an incident may stay unacknowledged (1 to 10080).");
        }

        if (valid.Label is { } label && KddLabels.Find(label) is null && label != IncidentRules.UnknownLabel)
        {
            throw new InvalidInputException($"'{label}' is not a label the model knows.");
        }

        string[] categories = [.. KddCategoryNames.All.Where(c => c != KddCategory.Normal).Select(c => c.ToName()), IncidentRules.UnknownLabel];
        if (valid.Category is { } category && !categories.Contains(category))
        {
            throw new InvalidInputException($"'{category}' is not a category; one of {string.Join(", ", categories)}.");
        }

        if (valid.Channel == NotificationChannel.Webhook)
        {
            // Any http(s) URL: no vendor patterns (a chat or SOAR product's webhook is just a URL).
            if (!Uri.TryCreate(valid.Target, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                throw new InvalidInputException("A webhook needs an absolute http:// or https:// URL.");
            }

            if (valid.BodyTemplate is { } template)
            {
                NotificationMessages.ValidateTemplate(template);
            }

            if ((valid.HeaderName is null) != (valid.HeaderValue is null) && valid.HeaderName is null)
            {
                throw new InvalidInputException("A header value needs a header name.");
            }
        }
        else
        {
            if (!SmtpConfigured)
            {
                throw new InvalidInputException("Email needs an SMTP server: set Siem:Notifications:Smtp:Host (README \"Notifications\").");
            }

            valid = valid with { Target = string.Join(", ", NotificationRecipients.Parse(valid.Target ?? "")), BodyTemplate = null, HeaderName = null, HeaderValue = null };
        }

        return valid;
    }

    private static void Apply(NotificationRule rule, NotificationRuleInput input)
    {
        var keepHeaderValue = input.HeaderValue is null && input.HeaderName is not null && input.HeaderName == rule.HeaderName; // editing without retyping the secret
        rule.Name = input.Name!;
        rule.Trigger = input.Trigger;
        rule.EscalateAfterMinutes = input.EscalateAfterMinutes;
        rule.MinSeverity = input.MinSeverity;
        rule.Label = input.Label;
        rule.Category = input.Category;
        rule.Channel = input.Channel;
        rule.Target = input.Target!;
        rule.BodyTemplate = input.BodyTemplate;
        rule.HeaderName = input.HeaderName;
        rule.HeaderValue = keepHeaderValue ? rule.HeaderValue : input.HeaderValue;
    }

    private static void Audit(SiemDbContext db, NotificationRule rule, string actor, DateTime now, string action) =>
        db.Audit.Add(new AuditEntry
        {
            AtUtc = now,
            Actor = actor,
            Action = action,
            EntityType = nameof(NotificationRule),
            EntityId = rule.Id.ToString(CultureInfo.InvariantCulture),
            Details = $"{rule.Name}: {View(rule, null).Conditions} -> {rule.Channel} {rule.Target}",
        });

    internal static NotificationRuleView View(NotificationRule r, NotificationDelivery? last) => new(r.Id, r.Name, r.Enabled, r.Trigger, r.EscalateAfterMinutes,
        r.MinSeverity, r.Label, r.Category, r.Channel, r.Target, r.BodyTemplate, r.HeaderName, r.HeaderValue is not null, r.CreatedBy, r.CreatedUtc, r.UpdatedUtc,
        last is null ? null : DeliveryViewOf(last));

    internal static DeliveryView DeliveryViewOf(NotificationDelivery d) => new(d.Id, d.RuleId, d.RuleName, d.IncidentId, d.Trigger, d.IsTest, d.Status, d.Attempts,
        d.CreatedUtc, d.LastAttemptUtc, d.DeliveredUtc, d.Status == DeliveryStatus.Pending ? d.NextAttemptUtc : null, d.LastResult);
}
