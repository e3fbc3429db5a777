using Microsoft.AspNetCore.Antiforgery;
using Siem.Store;
using Siem.Store.Events;
using Siem.Store.Identity;
using Siem.Store.Incidents;
using Siem.Store.Ingest;
using Siem.Store.Live;
using Siem.Store.Stats;
using Siem.Web.Components;
using Siem.Web.Events;
using Siem.Web.Exceptions;
using Siem.Web.Identity;
using Siem.Web.Incidents;
using Siem.Web.Ingest;
using Siem.Web.Live;
using Siem.Web.Models;
using Siem.Web.Notifications;
using Siem.Web.SiteLearning;
using Siem.Web.Stats;

namespace Siem.Web.Hosting;

public static class WebPipeline
{
    public static WebApplication UseSiemWeb(this WebApplication app)
    {
        app.UseSiemDeployment();
        app.UseSecurityHeaders();

        // Every exception on /api and /hubs becomes RFC 7807 problem details; pages get the error page.
        app.UseWhen(c => WebServiceRegistration.IsMachinePath(c.Request.Path),
            api => api.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = ApiErrors.StatusOf }));
        if (!app.Environment.IsDevelopment())
        {
            app.UseWhen(c => !WebServiceRegistration.IsMachinePath(c.Request.Path), pages => pages.UseExceptionHandler("/Error", createScopeForErrors: true));
        }

        // Machine paths get RFC 7807 problem details; pages get the not-found page.
        app.UseWhen(c => WebServiceRegistration.IsMachinePath(c.Request.Path), api => api.UseStatusCodePages());
        app.UseWhen(c => !WebServiceRegistration.IsMachinePath(c.Request.Path), pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));

        app.UseSmallApiBodies(); // small JSON bodies stay small (1 MiB); uploads and the stream endpoint have their own limits
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapSiemHealthChecks();
        app.MapOpenApi(); // documentation of the API is for its callers: signed in or with a key
        app.MapAccountEndpoints();

        var api = app.MapGroup("/api").AddEndpointFilter(RequireAntiforgeryForCookieWrites).AddEndpointFilter(ApiErrors.TranslateInputErrors);
        api.MapIngestEndpoints();
        api.MapStreamEndpoints();
        api.MapFlowEndpoints();
        api.MapEventEndpoints();
        api.MapSavedSearchEndpoints();
        api.MapStatsEndpoints();
        api.MapIncidentEndpoints();
        api.MapAdminEndpoints();
        api.MapExceptionEndpoints();
        api.MapSiteLearningEndpoints();
        api.MapModelEndpoints();
        api.MapNotificationEndpoints();

        app.MapHub<LiveHub>(LiveHub.Path);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>
    /// A cookie-authenticated write must carry the antiforgery header (the browser sends cookies to any
    /// site's form post; it cannot send a custom header cross-site). API-key callers are not exposed to CSRF.
    /// </summary>
    private static async ValueTask<object?> RequireAntiforgeryForCookieWrites(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method)
            && http.User.Identity is { IsAuthenticated: true, AuthenticationType: not ApiKeyAuthenticationHandler.SchemeName })
        {
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            var headerName = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<AntiforgeryOptions>>().Value.HeaderName ?? "RequestVerificationToken";
            if (!http.Request.Headers.ContainsKey(headerName) || !await antiforgery.IsRequestValidAsync(http))
            {
                return Results.Problem($"Browser sessions must send the antiforgery token in the {headerName} header.", statusCode: StatusCodes.Status400BadRequest);
            }
        }

        return await next(context);
    }
}
