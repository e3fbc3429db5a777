using Siem.Domain.Incidents;
using Siem.Store;
using Siem.Store.Identity;
using Siem.Store.Incidents;

namespace Siem.Web.Incidents;

public sealed record IncidentActionRequest(string? Reason, string? Note);

public sealed record AssignRequest(string? Assignee);

/// <summary>A bulk action: the given ids, or (without ids) every incident matching the filter fields.</summary>
public sealed record BulkRequest(IReadOnlyList<long>? Ids, string? Status, string? Severity, string? Label, string? Reason, string? Note,
    string? Assignee = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>
/// The incident API: parse, call <see cref="IncidentQueries"/> or <see cref="IncidentService"/> (the same the
/// Incidents page calls), map the outcome. Bad filters and reasons are <see cref="InvalidInputException"/>s,
/// answered as 400 by the API's error filter.
/// </summary>
public static class IncidentEndpoints
{
    public static void MapIncidentEndpoints(this RouteGroupBuilder api)
    {
        var incidents = api.MapGroup("/incidents").RequireAuthorization(SiemPolicies.Read);
        incidents.MapGet("/", ListAsync).WithSummary("Incidents, most recent activity first (filters: status, severity, label, assignee ('none' = unassigned), from, to; paging: page, pageSize)");
        incidents.MapGet("/{id:long}", async (long id, IncidentQueries queries, CancellationToken ct) =>
            await queries.GetAsync(id, ct) is { } detail ? Results.Ok(detail) : NoSuchIncident(id));
        incidents.MapGet("/{id:long}/activity", async (long id, IncidentQueries queries, CancellationToken ct) =>
                await queries.ActivityAsync(id, ct) is { } activity ? Results.Ok(ToActivityView(activity)) : NoSuchIncident(id))
            .WithSummary("The incident's alerts per interval over its lifetime, and its first events");

        var act = incidents.MapGroup("/{id:long}").RequireAuthorization(SiemPolicies.Act);
        act.MapPost("/acknowledge", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => ChangeAsync(id, IncidentStatus.Acknowledged, body, s, c, ct));
        act.MapPost("/resolve", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => ChangeAsync(id, IncidentStatus.Resolved, body, s, c, ct));
        act.MapPost("/close", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => ChangeAsync(id, IncidentStatus.Closed, body, s, c, ct));
        act.MapPost("/reopen", (long id, IncidentActionRequest? body, IncidentService s, HttpContext c, CancellationToken ct) => ChangeAsync(id, IncidentStatus.Open, body, s, c, ct));
        incidents.MapPost("/bulk/{action}", BulkAsync).RequireAuthorization(SiemPolicies.Act)
            .WithSummary("acknowledge|resolve|close|reopen the incidents in 'ids', or, without ids, every incident matching 'status', 'severity', 'label', 'assignee', 'from' and 'to'");
        act.MapPost("/notes", async (long id, IncidentActionRequest body, IncidentService s, HttpContext c, CancellationToken ct) =>
            ToResult(await s.AddNoteAsync(id, Actor(c), body.Note, ct)));
        act.MapPost("/assign", async (long id, AssignRequest body, IncidentService s, HttpContext c, CancellationToken ct) =>
            ToResult(await s.AssignAsync(id, body.Assignee, Actor(c), ct)));
    }

    private static async Task<IResult> ListAsync(IncidentQueries queries, string? status, string? severity, string? label, string? assignee,
        DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct)
    {
        var filter = IncidentFilter.Parse(status, severity, label, assignee, from, to);
        return TypedResults.Ok(await queries.ListAsync(new IncidentListRequest(filter, Page: page ?? 1, PageSize: pageSize ?? 50), ct));
    }

    private static async Task<IResult> ChangeAsync(long id, IncidentStatus to, IncidentActionRequest? body, IncidentService service, HttpContext context, CancellationToken ct) =>
        ToResult(await service.ChangeStatusAsync(id, to, Actor(context), InputParsing.Optional<IncidentResolution>(body?.Reason, "reason"), body?.Note, ct));

    private static async Task<IResult> BulkAsync(string action, BulkRequest body, IncidentService service, HttpContext context, CancellationToken ct)
    {
        var to = BulkActions.Parse(action);
        var resolution = InputParsing.Optional<IncidentResolution>(body.Reason, "reason");
        var filter = IncidentFilter.Parse(body.Status, body.Severity, body.Label, body.Assignee, body.From, body.To);
        var result = await service.ChangeStatusManyAsync(body.Ids, filter, to, Actor(context), resolution, body.Note, ct);
        return TypedResults.Ok(result);
    }

    private static object ToActivityView(IncidentActivityData data) => new
    {
        data.BucketSeconds,
        Buckets = data.Buckets.Select(b => new { b.Start, b.Alerts }),
        data.Samples,
    };

    private static IResult NoSuchIncident(long id) => TypedResults.Problem($"No incident {id}.", statusCode: StatusCodes.Status404NotFound);

    private static IResult ToResult(IncidentActionResult result) => result switch
    {
        IncidentActionResult.Done done => TypedResults.Ok(done.Incident),
        IncidentActionResult.NotFound => TypedResults.Problem("No such incident.", statusCode: StatusCodes.Status404NotFound),
        IncidentActionResult.Invalid invalid => TypedResults.Problem(invalid.Reason, statusCode: StatusCodes.Status409Conflict),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError),
    };

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
