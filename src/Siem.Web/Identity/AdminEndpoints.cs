using Siem.Store.Identity;
using Siem.Store.Retention;

namespace Siem.Web.Identity;

public sealed record CreateKeyRequest(string Name, string Role);

public sealed record CreateUserRequest(string Email, string Password, string Role);

public sealed record SetRoleRequest(string Role);

/// <summary>Users and API keys for Admins, through the same services as the Admin page.</summary>
public static class AdminEndpoints
{
    public static void MapAdminEndpoints(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireAuthorization(SiemPolicies.Administer);
        admin.MapGet("/keys", (ApiKeyService keys, CancellationToken ct) => keys.ListAsync(ct));
        admin.MapPost("/keys", async (CreateKeyRequest request, ApiKeyService keys, HttpContext context, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name) || !SiemRoles.IsRole(request.Role))
            {
                return Results.Problem($"A key needs a name and a role ({string.Join(", ", SiemRoles.All)}).", statusCode: 400);
            }

            var created = await keys.CreateAsync(request.Name, request.Role, Actor(context), cancellationToken: ct);
            return Results.Created($"/api/admin/keys/{created.Id}", created);
        }).WithSummary("Create an API key; the key is in the answer and never shown again");
        admin.MapDelete("/keys/{id:long}", async (long id, ApiKeyService keys, HttpContext context, CancellationToken ct) =>
            await keys.RevokeAsync(id, Actor(context), ct) ? Results.NoContent() : Results.Problem($"No active key {id}.", statusCode: 404));

        admin.MapGet("/storage", async (StorageService storage, CancellationToken ct) => TypedResults.Ok(await storage.GetAsync(ct)))
            .WithSummary("Database size (used, free), events held and since when, the oldest rollup, the retention policy and its last sweep");
        admin.MapPost("/retention/sweep", async (StorageService storage, CancellationToken ct) =>
                await storage.SweepNowAsync(ct) is { } result
                    ? Results.Ok(result)
                    : Results.Problem("Retention is off (Siem:Retention:Enabled=false): nothing is deleted.", statusCode: StatusCodes.Status409Conflict))
            .WithSummary("Apply the retention policy now; answers what was removed");

        admin.MapGet("/users", (UserAdminService users, CancellationToken ct) => users.ListAsync(ct));
        admin.MapGet("/users/{id}", async (string id, UserAdminService users, CancellationToken ct) =>
            (await users.ListAsync(ct)).FirstOrDefault(u => u.Id == id) is { } user ? Results.Ok(user) : Results.Problem($"No user {id}.", statusCode: 404));
        admin.MapPost("/users", async (CreateUserRequest request, UserAdminService users) =>
            await users.CreateAsync(request.Email, request.Password, request.Role) is var result && result is UserAdminResult.Done done
                ? Results.Created($"/api/admin/users/{done.User.Id}", done.User)
                : ToResult(result));
        admin.MapPost("/users/{id}/role", async (string id, SetRoleRequest request, UserAdminService users) => ToResult(await users.SetRoleAsync(id, request.Role)));
        admin.MapPost("/users/{id}/disable", async (string id, UserAdminService users) => ToResult(await users.SetDisabledAsync(id, true)));
        admin.MapPost("/users/{id}/enable", async (string id, UserAdminService users) => ToResult(await users.SetDisabledAsync(id, false)));
        admin.MapPost("/users/{id}/reset-password", async (string id, UserAdminService users) => ToResult(await users.ResetPasswordAsync(id)))
            .WithSummary("Set a new random password; it is in the answer (newPassword) and never shown again");
    }

    private static IResult ToResult(UserAdminResult result) => result switch
    {
        UserAdminResult.Done { NewPassword: { } password } done => TypedResults.Ok(new { done.User, NewPassword = password }),
        UserAdminResult.Done done => TypedResults.Ok(done.User),
        UserAdminResult.NotFound notFound => TypedResults.Problem($"No user {notFound.Id}.", statusCode: StatusCodes.Status404NotFound),
        UserAdminResult.Invalid invalid => TypedResults.Problem(invalid.Reason, statusCode: StatusCodes.Status400BadRequest),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError),
    };

    private static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}
