using Siem.Store.Exceptions;
using Siem.Store.Identity;
using Siem.Store.Incidents;

namespace Siem.Web.Exceptions;

/// <summary>What an exception matches (blank: anything), why, and until when.</summary>
public sealed record ExceptionRequest(string? Label, string? DstHost, string? SrcHost, string? Service, int? DstPort, string? Protocol, string? Reason,
    DateTimeOffset? Expires = null, long? FromIncidentId = null)
{
    public ExceptionInput ToInput() => new(Label, DstHost, SrcHost, Service, DstPort, Protocol, Reason, Expires?.UtcDateTime, FromIncidentId);
}

/// <summary>Exceptions through <see cref="ExceptionService"/>, the same the Exceptions page and the incident detail call. Viewers read; Analysts and Admins manage.</summary>
public static class ExceptionEndpoints
{
    public static void MapExceptionEndpoints(this RouteGroupBuilder api)
    {
        var exceptions = api.MapGroup("/exceptions").RequireAuthorization(SiemPolicies.Read);
        exceptions.MapGet("/", async (ExceptionService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .WithSummary("Every exception with who made it, when, why, how many alerts it suppressed and when it last matched");
        exceptions.MapGet("/{id:long}", async (long id, ExceptionService service, CancellationToken ct) =>
            await service.GetAsync(id, ct) is { } found ? Results.Ok(found) : NoSuchException(id));
        exceptions.MapPost("/", async (ExceptionRequest request, ExceptionService service, HttpContext context, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(request.ToInput(), Actor(context), ct);
                return TypedResults.Created($"/api/exceptions/{created.Id}", created);
            })
            .RequireAuthorization(SiemPolicies.Act)
            .WithSummary("Create an exception: label (or 'unknown'), dstHost, srcHost, service, dstPort, protocol (at least one), reason (required), expires (optional)");
        exceptions.MapPut("/{id:long}", async (long id, ExceptionRequest request, ExceptionService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.UpdateAsync(id, request.ToInput(), Actor(context), ct))).RequireAuthorization(SiemPolicies.Act);
        exceptions.MapPost("/{id:long}/disable", async (long id, ExceptionService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.SetEnabledAsync(id, false, Actor(context), ct))).RequireAuthorization(SiemPolicies.Act);
        exceptions.MapPost("/{id:long}/enable", async (long id, ExceptionService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.SetEnabledAsync(id, true, Actor(context), ct))).RequireAuthorization(SiemPolicies.Act);
        exceptions.MapDelete("/{id:long}", async (long id, ExceptionService service, HttpContext context, CancellationToken ct) =>
            await service.DeleteAsync(id, Actor(context), ct) is ExceptionResult.Done ? Results.NoContent() : NoSuchException(id)).RequireAuthorization(SiemPolicies.Act);

        api.MapGet("/incidents/{id:long}/exception-draft", async (long id, IncidentQueries queries, CancellationToken ct) =>
                await queries.ExceptionDraftAsync(id, ct) is { } draft ? Results.Ok(draft) : Results.Problem($"No incident {id}.", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(SiemPolicies.Read)
            .WithSummary("An exception prefilled from an incident (its label, host, and the service, port, protocol and source its first events share)");
    }

    private static IResult ToResult(ExceptionResult result) => result switch
    {
        ExceptionResult.Done done => TypedResults.Ok(done.Exception),
        ExceptionResult.NotFound notFound => NoSuchException(notFound.Id),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError),
    };

    private static IResult NoSuchException(long id) => TypedResults.Problem($"No exception {id}.", statusCode: StatusCodes.Status404NotFound);

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
