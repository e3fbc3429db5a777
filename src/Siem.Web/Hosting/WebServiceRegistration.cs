using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Siem.Detection.Model;
using Siem.Store;
using Siem.Store.Identity;
using Siem.Store.Incidents;
using Siem.Store.Ingest;
using Siem.Store.Live;
using Siem.Store.Persistence;
using Siem.Store.Stats;
using Siem.Web.Identity;
using Siem.Web.Incidents;
using Siem.Web.Ingest;
using Siem.Web.Live;
using Siem.Web.Stats;

namespace Siem.Web.Hosting;

/// <summary>Everything the web app registers, in one place (Program.cs stays two lines).</summary>
public static class WebServiceRegistration
{
    private const string SmartScheme = "CookieOrApiKey";

    public static WebApplicationBuilder AddSiemWeb(this WebApplicationBuilder builder)
    {
        // Serve package assets (MudBlazor, the Blazor script) from the build output in every environment,
        // not only Development; published output has them in wwwroot and this is then a no-op.
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        var settings = services.AddSiemStore(builder.Configuration, builder.Environment.ContentRootPath);
        AddIdentity(services);
        services.AddSiemDeployment(builder.Configuration);
        services.AddHostedService<LiveHubBridge>();
        services.AddSingleton<Models.RetrainService>();
        services.AddSingleton<Models.ModelUploadService>();

        var signalR = services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        if (builder.Configuration["Siem:Redis"] is { Length: > 0 } redis)
        {
            // Several nodes: what one node's hub bridge sends reaches the hub clients connected to every node.
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("siem"));
            services.AddHostedService<Live.LiveRelay>(); // and what it shows its pages
        }

        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = problem =>
        {
            if (problem.ProblemDetails.Status == StatusCodes.Status507InsufficientStorage)
            {
                problem.ProblemDetails.Detail ??= ApiErrors.DiskFullDetail;
            }
        });
        services.AddSiemHealthChecks();
        services.AddOpenApi();
        services.AddAntiforgery();
        services.AddMudServices();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.Ingest.MaxUploadBytes + 1024 * 1024);
        return builder;
    }

    private static void AddIdentity(IServiceCollection services)
    {
        services.AddIdentityCore<SiemUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 12;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>()
            .AddSiemIdentityStores()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
            })
            .AddPolicyScheme(SmartScheme, "Cookie or API key", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header) ? ApiKeyAuthenticationHandler.SchemeName : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.AccessDeniedPath = "/account/denied";
            o.Cookie.Name = "siem.auth";
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            // APIs and the hub answer 401/403; only pages redirect to the sign-in form.
            o.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
        });

        // Cookies are checked against the user's security stamp on every request (one indexed lookup): disabling a
        // user, changing their role or signing out ends their sessions at once, not after Identity's default 30 minutes.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingAuthenticationStateProvider>();
        services.AddSingleton<SignInThrottle>();

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(SiemPolicies.Read, p => p.RequireRole(SiemRoles.All))
            .AddPolicy(SiemPolicies.Act, p => p.RequireRole(SiemRoles.Admin, SiemRoles.Analyst))
            .AddPolicy(SiemPolicies.Administer, p => p.RequireRole(SiemRoles.Admin));
    }

    private static Task Answer(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (IsMachinePath(context.Request.Path))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    public static bool IsMachinePath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/openapi");
}
