namespace Siem.Web.Hosting;

/// <summary>Headers every answer carries: no MIME sniffing, no referrer leaving the site, and for pages a CSP that allows only the site's own scripts.</summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts only from this site (Blazor, MudBlazor, the vendored ApexCharts); styles also inline (MudBlazor and
    /// ApexCharts set style attributes); the circuit's WebSocket to this host; nothing may frame the app.
    /// </summary>
    public const string PageContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = WebServiceRegistration.IsMachinePath(context.Request.Path)
                ? "default-src 'none'; frame-ancestors 'none'"
                : PageContentSecurityPolicy;
            return Task.CompletedTask;
        });
        await next();
    });
}
