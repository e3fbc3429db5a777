using Siem.Store.Identity;
using Siem.Store.SiteLearning;

namespace Siem.Web.SiteLearning;

public sealed record BaselineRequest(long JobId, string? Note = null);

/// <summary>Events to mark as normal: an explorer query (as in <c>GET /api/events?q=</c>) and an optional range in Unix ms.</summary>
public sealed record MarkEventsRequest(string? Query, long? From = null, long? To = null, string? Note = null);

/// <summary>The site's labelled set through <see cref="SiteLearningService"/>, as the Model page uses it. Viewers read; Analysts and Admins add and remove.</summary>
public static class SiteLearningEndpoints
{
    public static void MapSiteLearningEndpoints(this RouteGroupBuilder api)
    {
        var site = api.MapGroup("/site").RequireAuthorization(SiemPolicies.Read);
        site.MapGet("/feedback", async (SiteLearningService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .WithSummary("The site's labelled set: baselines (uploads of known normal traffic) and false-positive incidents, with who added them and when");
        site.MapPost("/baselines", async (BaselineRequest request, SiteLearningService service, HttpContext context, CancellationToken ct) =>
                await service.AddBaselineAsync(request.JobId, Actor(context), request.Note, ct) is { } added
                    ? Results.Created($"/api/site/feedback/{added.Id}", added)
                    : TypedResults.Problem($"No upload {request.JobId}.", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(SiemPolicies.Act)
            .WithSummary("Mark a completed upload as known normal site traffic (a baseline)");
        site.MapPost("/events", async (MarkEventsRequest request, SiteLearningService service, HttpContext context, CancellationToken ct) =>
            {
                var added = await service.AddEventsAsync(request.Query, request.From, request.To, Actor(context), request.Note, ct);
                return TypedResults.Created($"/api/site/feedback/{added.Id}", added);
            })
            .RequireAuthorization(SiemPolicies.Act)
            .WithSummary("Mark the events matching an explorer query (and range) as normal site traffic: those stored now, at most 1,000,000");
        site.MapDelete("/feedback/{id:long}", async (long id, SiteLearningService service, HttpContext context, CancellationToken ct) =>
                await service.RemoveAsync(id, Actor(context), ct) ? Results.NoContent() : TypedResults.Problem($"No site feedback {id}.", statusCode: StatusCodes.Status404NotFound))
            .RequireAuthorization(SiemPolicies.Act);
        site.MapGet("/training-set.csv", (SiteLearningService service) =>
                Results.Stream(async stream => await service.ExportAsync(stream), "text/csv", "site-training-set.csv"))
            .WithSummary("The labelled set as KDD CSV with labels (41 features, then the label): the input of `siem train --site`");
    }

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
