using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Siem.Domain.Incidents;
using Siem.Store.Live;
using Siem.Store.Persistence;

namespace Siem.Store.Notifications;

/// <summary>
/// Sends what the rules ask for. Each round it first writes a Pending delivery for every incident a rule matches
/// and has not announced (opened since the rule was made; or still Open <c>N</c> minutes after it opened), so a
/// crash between noticing and sending loses nothing, then attempts the deliveries that are due: a failure is retried
/// after <see cref="NotificationOptions.RetryDelay"/>, doubling each time, until <see cref="NotificationOptions.MaxAttempts"/>.
/// A new incident wakes it at once (through the live notifier); otherwise it looks every poll interval.
/// A delivery is saved after each attempt, so a crash can at most repeat the one in flight.
/// </summary>
public sealed class NotificationDispatcher(
    IDbContextFactory<SiemDbContext> databases,
    NotificationSender sender,
    LiveNotifier live,
    StoreLeases leases,
    IOptions<SiemOptions> options,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
{
    private const int DeliveriesPerRound = 50;
    private const int EnqueuedPerRulePerRound = 500;
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromHours(1);

    private readonly WakeSignal _signal = new();

    /// <summary>One round at a time, so no delivery is picked up twice.</summary>
    private readonly SemaphoreSlim _round = new(1, 1);

    /// <summary>Look now (a rule changed or an incident opened).</summary>
    public void Signal() => _signal.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = live.Subscribe(update =>
        {
            if (update.Incidents.Any(i => i.Created))
            {
                Signal();
            }

            return Task.CompletedTask;
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.Notifications.PollInterval;
            try
            {
                // One sender per store, so no notification goes out twice.
                var next = await leases.HoldAsync(StoreLeases.Notifications, stoppingToken) ? await RunOnceAsync(stoppingToken) : null;
                if (next is { } due)
                {
                    var untilDue = due - time.GetUtcNow().UtcDateTime;
                    wait = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue < wait ? untilDue : wait;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Sending notifications failed; retrying");
            }

            await _signal.WaitAsync(wait, stoppingToken);
        }
    }

    /// <summary>One round: enqueue what rules match, attempt what is due; returns when the next pending attempt is due.</summary>
    internal async Task<DateTime?> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _round.WaitAsync(cancellationToken);
        try
        {
            await EnqueueAsync(cancellationToken);
            while (await DeliverDueAsync(cancellationToken) == DeliveriesPerRound)
            {
            }

            await using var db = await databases.CreateDbContextAsync(cancellationToken);
            return await db.NotificationDeliveries.Where(d => d.Status == DeliveryStatus.Pending)
                .OrderBy(d => d.NextAttemptUtc).Select(d => (DateTime?)d.NextAttemptUtc).FirstOrDefaultAsync(cancellationToken);
        }
        finally
        {
            _round.Release();
        }
    }

    private async Task EnqueueAsync(CancellationToken cancellationToken)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var rule in await db.NotificationRules.AsNoTracking().Where(r => r.Enabled).ToListAsync(cancellationToken))
        {
            var incidents = db.Incidents.AsNoTracking();
            if (rule.Trigger == NotificationTrigger.Opened)
            {
                incidents = incidents.Where(i => i.CreatedUtc >= rule.CreatedUtc);
            }
            else
            {
                // Escalates the incidents that became due while the rule existed: a new rule does not page about last month's.
                var after = TimeSpan.FromMinutes(rule.EscalateAfterMinutes ?? 0);
                var dueBefore = now - after;
                var dueSince = rule.CreatedUtc - after;
                incidents = incidents.Where(i => i.Status == IncidentStatus.Open && i.CreatedUtc <= dueBefore && i.CreatedUtc >= dueSince);
            }

            if (rule.Label is not null)
            {
                incidents = incidents.Where(i => i.Label == rule.Label);
            }

            if (rule.Category is not null)
            {
                incidents = incidents.Where(i => i.Category == rule.Category);
            }

            var matches = await incidents
                .Where(i => !db.NotificationDeliveries.Any(d => d.RuleId == rule.Id && d.IncidentId == i.Id && d.Trigger == rule.Trigger))
                .OrderBy(i => i.Id).Take(EnqueuedPerRulePerRound).Select(i => new { i.Id, i.Severity }).ToListAsync(cancellationToken);
            foreach (var incident in matches.Where(i => i.Severity >= rule.MinSeverity))
            {
                db.NotificationDeliveries.Add(new NotificationDelivery
                {
                    RuleId = rule.Id,
                    RuleName = rule.Name,
                    IncidentId = incident.Id,
                    Trigger = rule.Trigger,
                    Status = DeliveryStatus.Pending,
                    CreatedUtc = now,
                    NextAttemptUtc = now,
                });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Attempts up to <see cref="DeliveriesPerRound"/> due deliveries; returns how many it took.</summary>
    private async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Notifications;
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var due = await db.NotificationDeliveries.Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptUtc <= now)
            .OrderBy(d => d.NextAttemptUtc).ThenBy(d => d.Id).Take(DeliveriesPerRound).ToListAsync(cancellationToken);
        var ruleIds = due.Select(d => d.RuleId).Distinct().ToList();
        var incidentIds = due.Select(d => d.IncidentId).OfType<long>().Distinct().ToList();
        var rules = await db.NotificationRules.AsNoTracking().Where(r => ruleIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var incidents = await db.Incidents.AsNoTracking().Where(i => incidentIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, cancellationToken);
        foreach (var delivery in due)
        {
            var incident = delivery.IncidentId is { } id ? incidents.GetValueOrDefault(id) : null;
            if (!rules.TryGetValue(delivery.RuleId, out var rule) || !rule.Enabled || incident is null)
            {
                (delivery.Status, delivery.LastResult) = (DeliveryStatus.Skipped, rule is null ? "rule deleted" : !rule.Enabled ? "rule disabled" : "incident deleted");
            }
            else if (delivery.Trigger == NotificationTrigger.Unacknowledged && incident.Status != IncidentStatus.Open)
            {
                (delivery.Status, delivery.LastResult) = (DeliveryStatus.Skipped, $"incident {incident.Status.ToString().ToLowerInvariant()} before it was sent");
            }
            else
            {
                var outcome = await sender.SendAsync(rule, IncidentFacts.Of(incident), delivery.Trigger, test: false, cancellationToken);
                var attemptedAt = time.GetUtcNow().UtcDateTime;
                delivery.Attempts++;
                (delivery.LastAttemptUtc, delivery.LastResult) = (attemptedAt, outcome.Result);
                if (outcome.Delivered)
                {
                    (delivery.Status, delivery.DeliveredUtc) = (DeliveryStatus.Delivered, attemptedAt);
                    logger.LogInformation("Notification '{Rule}' about incident {Incident} delivered: {Result}", rule.Name, incident.Id, outcome.Result);
                }
                else if (delivery.Attempts >= settings.MaxAttempts)
                {
                    delivery.Status = DeliveryStatus.Failed;
                    logger.LogWarning("Notification '{Rule}' about incident {Incident} failed after {Attempts} attempts: {Result}", rule.Name, incident.Id,
                        delivery.Attempts, outcome.Result);
                }
                else
                {
                    var delay = settings.RetryDelay * Math.Pow(2, delivery.Attempts - 1);
                    delivery.NextAttemptUtc = attemptedAt + (delay < LongestRetryDelay ? delay : LongestRetryDelay);
                    logger.LogInformation("Notification '{Rule}' about incident {Incident} failed ({Result}); attempt {Next} at {At:HH:mm:ss} UTC", rule.Name,
                        incident.Id, outcome.Result, delivery.Attempts + 1, delivery.NextAttemptUtc);
                }
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        return due.Count;
    }
}
