using Siem.Store.Events;
using Siem.Store.Identity;

namespace Siem.Web.Events;

/// <summary>Saved searches through <see cref="SavedSearchService"/>, the same the explorer and the timeline call. Every signed-in user; sharing needs an Analyst or Admin.</summary>
public static class SavedSearchEndpoints
{
    public static void MapSavedSearchEndpoints(this RouteGroupBuilder api)
    {
        var searches = api.MapGroup("/searches").RequireAuthorization(SiemPolicies.Read);
        searches.MapGet("/", async (SavedSearchService service, HttpContext context, CancellationToken ct) =>
                TypedResults.Ok(await service.ListAsync(SearchUser.Of(context.User), ct)))
            .WithSummary("The built-in searches, the shared ones and your own");
        searches.MapGet("/{id:long}", async (long id, SavedSearchService service, HttpContext context, CancellationToken ct) =>
            await service.GetAsync(id, SearchUser.Of(context.User), ct) is { } search ? Results.Ok(search) : NoSuchSearch(id));
        searches.MapGet("/{id:long}/events", async (long id, int? page, int? pageSize, SavedSearchService service, HttpContext context, CancellationToken ct) =>
                await service.RunAsync(id, SearchUser.Of(context.User), page ?? 1, pageSize ?? 50, ct) is { } found ? Results.Ok(found) : NoSuchSearch(id))
            .WithSummary("Run a saved search over its range now (paging: page, pageSize)");
        searches.MapPost("/", async (SavedSearchInput input, SavedSearchService service, HttpContext context, CancellationToken ct) =>
                ToResult(await service.CreateAsync(input, SearchUser.Of(context.User), ct), search => Results.Created($"/api/searches/{search.Id}", search)))
            .WithSummary("Save a search: name, query (explorer language), rangeMinutes (relative) or from/to (absolute) or neither (all time), shared, description");
        searches.MapPut("/{id:long}", async (long id, SavedSearchInput input, SavedSearchService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.UpdateAsync(id, input, SearchUser.Of(context.User), ct), Results.Ok));
        searches.MapDelete("/{id:long}", async (long id, SavedSearchService service, HttpContext context, CancellationToken ct) =>
            ToResult(await service.DeleteAsync(id, SearchUser.Of(context.User), ct), _ => Results.NoContent()));
    }

    private static IResult ToResult(SavedSearchResult result, Func<SavedSearchView, IResult> done) => result switch
    {
        SavedSearchResult.Done d => done(d.Search),
        SavedSearchResult.NotFound notFound => NoSuchSearch(notFound.Id),
        SavedSearchResult.Forbidden forbidden => TypedResults.Problem(forbidden.Reason, statusCode: StatusCodes.Status403Forbidden),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError),
    };

    private static IResult NoSuchSearch(long id) => TypedResults.Problem($"No saved search {id}.", statusCode: StatusCodes.Status404NotFound);
}
