using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Web.Events;
using Siem.Web.Identity;
using Siem.Web.Persistence;

namespace Siem.Web.Incidents;

public sealed record IncidentActionRequest(string? Reason, string? Note);

public sealed record AssignRequest(string? Assignee);

public static class IncidentEndpoints
{
    public static void MapIncidentEndpoints(this RouteGroupBuilder api)
    {
        var incidents = api.MapGroup("/incidents").RequireAuthorization(SiemPolicies.Read);
        incidents.MapGet("/", ListAsync).WithSummary("Incidents, most recent activity first (filters: status, severity, label; paging: page, pageSize)");
        incidents.MapGet("/{id:long}", async (long id, IncidentService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } detail ? Results.Ok(detail) : Results.Problem($"No incident {id}.", statusCode: 404));

        var act = incidents.MapGroup("/{id:long}").RequireAuthorization(SiemPolicies.Act);
        act.MapPost("/acknowledge", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Acknowledged, body, s, c, ct));
        act.MapPost("/resolve", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Resolved, body, s, c, ct));
        act.MapPost("/close", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Closed, body, s, c, ct));
        act.MapPost("/reopen", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Open, body, s, c, ct));
        act.MapPost("/assign", async (long id, AssignRequest body, IncidentService s, HttpContext c, CancellationToken ct) =>
            ToResult(await s.AssignAsync(id, body.Assignee, Actor(c), ct)));
    }

    private static async Task<IResult> ListAsync(SiemDbContext db, string? status, string? severity, string? label, int? page, int? pageSize, CancellationToken ct)
    {
        var query = db.Incidents.AsNoTracking();
        if (status is not null)
        {
            if (!Enum.TryParse<IncidentStatus>(status, ignoreCase: true, out var s))
            {
                return Results.Problem($"status '{status}' is not one of {string.Join(", ", Enum.GetNames<IncidentStatus>())}.", statusCode: 400);
            }

            query = query.Where(i => i.Status == s);
        }

        if (severity is not null)
        {
            if (!Enum.TryParse<IncidentSeverity>(severity, ignoreCase: true, out var s))
            {
                return Results.Problem($"severity '{severity}' is not one of {string.Join(", ", Enum.GetNames<IncidentSeverity>())}.", statusCode: 400);
            }

            query = query.Where(i => i.Severity == s);
        }

        if (!string.IsNullOrWhiteSpace(label))
        {
            query = query.Where(i => i.Label == label.Trim().ToLower());
        }

        var size = Math.Clamp(pageSize ?? 50, 1, 500);
        var number = Math.Max(page ?? 1, 1);
        var total = await query.LongCountAsync(ct);
        var items = await query.OrderByDescending(i => i.LastSeenMs).ThenByDescending(i => i.Id).Skip((number - 1) * size).Take(size).ToListAsync(ct);
        return Results.Ok(new Page<IncidentSummary>(items.Select(IncidentViews.Summary).ToList(), total, number, size));
    }

    private static async Task<IResult> Change(long id, IncidentStatus to, IncidentActionRequest? body, IncidentService service, HttpContext context, CancellationToken ct)
    {
        IncidentResolution? resolution = null;
        if (body?.Reason is { Length: > 0 } reason)
        {
            if (!Enum.TryParse<IncidentResolution>(reason.Replace("_", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal), ignoreCase: true, out var parsed))
            {
                return Results.Problem($"reason '{reason}' is not one of {string.Join(", ", Enum.GetNames<IncidentResolution>())}.", statusCode: 400);
            }

            resolution = parsed;
        }

        return ToResult(await service.ChangeStatusAsync(id, to, Actor(context), resolution, body?.Note, ct));
    }

    private static IResult ToResult(IncidentActionResult result) => result switch
    {
        IncidentActionResult.Done done => Results.Ok(done.Incident),
        IncidentActionResult.NotFound => Results.Problem("No such incident.", statusCode: 404),
        IncidentActionResult.Invalid invalid => Results.Problem(invalid.Reason, statusCode: 409),
        _ => Results.Problem(statusCode: 500),
    };

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
