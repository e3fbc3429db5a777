using Microsoft.EntityFrameworkCore;
using Siem.Domain.Incidents;
using Siem.Web.Events;
using Siem.Store.Events;
using Siem.Web.Identity;
using Siem.Store.Identity;
using Siem.Store.Persistence;

using Siem.Store.Incidents;

namespace Siem.Web.Incidents;

public sealed record IncidentActionRequest(string? Reason, string? Note);

public sealed record AssignRequest(string? Assignee);

/// <summary>A bulk action: the given ids, or (without ids) every incident matching the filter fields.</summary>
public sealed record BulkRequest(IReadOnlyList<long>? Ids, string? Status, string? Severity, string? Label, string? Reason, string? Note,
    string? Assignee = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

public static class IncidentEndpoints
{
    public static void MapIncidentEndpoints(this RouteGroupBuilder api)
    {
        var incidents = api.MapGroup("/incidents").RequireAuthorization(SiemPolicies.Read);
        incidents.MapGet("/", ListAsync).WithSummary("Incidents, most recent activity first (filters: status, severity, label, assignee ('none' = unassigned), from, to; paging: page, pageSize)");
        incidents.MapGet("/{id:long}", async (long id, IncidentService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } detail ? Results.Ok(detail) : Results.Problem($"No incident {id}.", statusCode: 404));
        incidents.MapGet("/{id:long}/activity", async (long id, IncidentService service, SiemDbContext db, CancellationToken ct) =>
                await service.GetAsync(id, ct) is { } detail
                    ? Results.Ok(ToActivityView(await IncidentActivity.LoadAsync(db, detail.Incident, ct)))
                    : Results.Problem($"No incident {id}.", statusCode: 404))
            .WithSummary("The incident's alerts per interval over its lifetime, and its first events");

        var act = incidents.MapGroup("/{id:long}").RequireAuthorization(SiemPolicies.Act);
        act.MapPost("/acknowledge", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Acknowledged, body, s, c, ct));
        act.MapPost("/resolve", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Resolved, body, s, c, ct));
        act.MapPost("/close", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Closed, body, s, c, ct));
        act.MapPost("/reopen", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => Change(id, IncidentStatus.Open, body, s, c, ct));
        incidents.MapPost("/bulk/{action}", BulkAsync).RequireAuthorization(SiemPolicies.Act)
            .WithSummary("acknowledge|resolve|close|reopen the incidents in 'ids', or, without ids, every incident matching 'status', 'severity', 'label', 'assignee', 'from' and 'to'");
        act.MapPost("/notes", async (long id, IncidentActionRequest body, IncidentService s, HttpContext c, CancellationToken ct) =>
            ToResult(await s.AddNoteAsync(id, Actor(c), body.Note, ct)));
        act.MapPost("/assign", async (long id, AssignRequest body, IncidentService s, HttpContext c, CancellationToken ct) =>
            ToResult(await s.AssignAsync(id, body.Assignee, Actor(c), ct)));
    }

    private static async Task<IResult> ListAsync(SiemDbContext db, string? status, string? severity, string? label, string? assignee,
        DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct)
    {
        IncidentStatus? statusFilter = null;
        if (status is not null)
        {
            if (!Enum.TryParse<IncidentStatus>(status, ignoreCase: true, out var parsed))
            {
                return Results.Problem($"status '{status}' is not one of {string.Join(", ", Enum.GetNames<IncidentStatus>())}.", statusCode: 400);
            }

            statusFilter = parsed;
        }

        IncidentSeverity? severityFilter = null;
        if (severity is not null)
        {
            if (!Enum.TryParse<IncidentSeverity>(severity, ignoreCase: true, out var parsed))
            {
                return Results.Problem($"severity '{severity}' is not one of {string.Join(", ", Enum.GetNames<IncidentSeverity>())}.", statusCode: 400);
            }

            severityFilter = parsed;
        }

        var query = new IncidentFilter(statusFilter, severityFilter, label, assignee, from, to).Apply(db.Incidents.AsNoTracking());
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

    private static async Task<IResult> BulkAsync(string action, BulkRequest body, IncidentService service, HttpContext context, CancellationToken ct)
    {
        IncidentStatus? to = action.ToLowerInvariant() switch
        {
            "acknowledge" => IncidentStatus.Acknowledged,
            "resolve" => IncidentStatus.Resolved,
            "close" => IncidentStatus.Closed,
            "reopen" => IncidentStatus.Open,
            _ => null,
        };
        if (to is null)
        {
            return Results.Problem($"'{action}' is not one of acknowledge, resolve, close, reopen.", statusCode: 400);
        }

        IncidentResolution? resolution = null;
        if (body.Reason is { Length: > 0 } reason)
        {
            if (!Enum.TryParse<IncidentResolution>(reason.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed))
            {
                return Results.Problem($"reason '{reason}' is not one of {string.Join(", ", Enum.GetNames<IncidentResolution>())}.", statusCode: 400);
            }

            resolution = parsed;
        }

        if (IncidentRules.NeedsResolution(to.Value) && resolution is null)
        {
            return Results.Problem($"Choosing {to} needs a reason: TruePositive, FalsePositive or Benign.", statusCode: 400);
        }

        var filter = new IncidentFilter(
            Enum.TryParse<IncidentStatus>(body.Status, true, out var s) ? s : null,
            Enum.TryParse<IncidentSeverity>(body.Severity, true, out var v) ? v : null,
            body.Label, body.Assignee, body.From, body.To);
        return Results.Ok(await service.ChangeStatusManyAsync(body.Ids, filter, to.Value, Actor(context), resolution, body.Note, ct));
    }

    private static object ToActivityView(IncidentActivityData data) => new
    {
        data.BucketSeconds,
        Buckets = data.Buckets.Select(b => new { b.Start, b.Alerts }),
        data.Samples,
    };

    private static IResult ToResult(IncidentActionResult result) => result switch
    {
        IncidentActionResult.Done done => Results.Ok(done.Incident),
        IncidentActionResult.NotFound => Results.Problem("No such incident.", statusCode: 404),
        IncidentActionResult.Invalid invalid => Results.Problem(invalid.Reason, statusCode: 409),
        _ => Results.Problem(statusCode: 500),
    };

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
