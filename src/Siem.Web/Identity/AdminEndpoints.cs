using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Persistence;

using Siem.Store.Identity;

namespace Siem.Web.Identity;

public sealed record CreateKeyRequest(string Name, string Role);

public sealed record CreateUserRequest(string Email, string Password, string Role);

public sealed record UserView(string Id, string Email, IReadOnlyList<string> Roles, bool Disabled, bool LockedOut);

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

            var created = await keys.CreateAsync(request.Name, request.Role, context.User.Identity?.Name ?? "unknown", cancellationToken: ct);
            return Results.Created($"/api/admin/keys/{created.Id}", created);
        }).WithSummary("Create an API key; the key is in the answer and never shown again");
        admin.MapDelete("/keys/{id:long}", async (long id, ApiKeyService keys, HttpContext context, CancellationToken ct) =>
            await keys.RevokeAsync(id, context.User.Identity?.Name ?? "unknown", ct) ? Results.NoContent() : Results.Problem($"No active key {id}.", statusCode: 404));

        admin.MapGet("/users", async (UserManager<SiemUser> users, CancellationToken ct) =>
        {
            var all = await users.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(ct);
            var views = new List<UserView>();
            foreach (var user in all)
            {
                views.Add(new UserView(user.Id, user.Email ?? "", [.. await users.GetRolesAsync(user)], user.Disabled, await users.IsLockedOutAsync(user)));
            }

            return views;
        });
        admin.MapPost("/users", async (CreateUserRequest request, UserManager<SiemUser> users) =>
        {
            if (!SiemRoles.IsRole(request.Role))
            {
                return Results.Problem($"role must be one of {string.Join(", ", SiemRoles.All)}.", statusCode: 400);
            }

            var user = new SiemUser { UserName = request.Email, Email = request.Email, EmailConfirmed = true };
            var result = await users.CreateAsync(user, request.Password);
            if (!result.Succeeded)
            {
                return Results.Problem(string.Join(" ", result.Errors.Select(e => e.Description)), statusCode: 400);
            }

            await users.AddToRoleAsync(user, request.Role);
            return Results.Created($"/api/admin/users/{user.Id}", new UserView(user.Id, user.Email!, [request.Role], false, false));
        });
    }
}
