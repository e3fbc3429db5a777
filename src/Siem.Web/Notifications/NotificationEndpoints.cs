using Siem.Store.Identity;
using Siem.Store.Notifications;

namespace Siem.Web.Notifications;

/// <summary>Notification rules and their delivery log through <see cref="NotificationService"/>, the same the Notifications page calls. Admins only (rules hold URLs and secrets).</summary>
public static class NotificationEndpoints
{
    public static void MapNotificationEndpoints(this RouteGroupBuilder api)
    {
        var notifications = api.MapGroup("/notifications").RequireAuthorization(SiemPolicies.Administer);
        var rules = notifications.MapGroup("/rules");
        rules.MapGet("/", async (NotificationService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .WithSummary("Every rule with its last delivery (a header's value is never shown)");
        rules.MapGet("/{id:long}", async (long id, NotificationService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } rule ? Results.Ok(rule) : NoSuchRule(id));
        rules.MapPost("/", async (NotificationRuleInput input, NotificationService service, HttpContext context, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(input, Actor(context), ct);
                return TypedResults.Created($"/api/notifications/rules/{created.Id}", created);
            })
            .WithSummary("Create a rule: name, trigger (Opened | Unacknowledged + escalateAfterMinutes), minSeverity, label, category, channel (Webhook | Email), "
                         + "target (URL or recipients), bodyTemplate ({{placeholders}}), headerName/headerValue");
        rules.MapPut("/{id:long}", async (long id, NotificationRuleInput input, NotificationService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.UpdateAsync(id, input, Actor(context), ct)));
        rules.MapPost("/{id:long}/enable", async (long id, NotificationService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.SetEnabledAsync(id, true, Actor(context), ct)));
        rules.MapPost("/{id:long}/disable", async (long id, NotificationService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.SetEnabledAsync(id, false, Actor(context), ct)));
        rules.MapDelete("/{id:long}", async (long id, NotificationService service, HttpContext context, CancellationToken ct) =>
            await service.DeleteAsync(id, Actor(context), ct) is NotificationResult.Done ? Results.NoContent() : NoSuchRule(id));
        rules.MapPost("/{id:long}/test", async (long id, NotificationService service, HttpContext context, CancellationToken ct) =>
                await service.SendTestAsync(id, Actor(context), ct) is { } delivery ? Results.Ok(delivery) : NoSuchRule(id))
            .WithSummary("Send a sample incident over the rule's channel now; answers the delivery with what the other side said");
        notifications.MapGet("/deliveries", async (long? ruleId, int? take, NotificationService service, CancellationToken ct) =>
                TypedResults.Ok(await service.DeliveriesAsync(ruleId, take ?? 50, ct)))
            .WithSummary("The delivery log, newest first: status, attempts, the last answer");
        notifications.MapGet("/placeholders", () => TypedResults.Ok(new { placeholders = NotificationMessages.Placeholders, defaultBody = NotificationMessages.DefaultWebhookBody }));
    }

    private static IResult ToResult(NotificationResult result) => result switch
    {
        NotificationResult.Done done => TypedResults.Ok(done.Rule),
        NotificationResult.NotFound notFound => NoSuchRule(notFound.Id),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError),
    };

    private static IResult NoSuchRule(long id) => TypedResults.Problem($"No notification rule {id}.", statusCode: StatusCodes.Status404NotFound);

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
