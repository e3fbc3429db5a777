using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Siem.Store.Persistence;

namespace Siem.Web.Hosting;

/// <summary>Settings under <c>Siem:Web</c> for running behind a reverse proxy (README "Deploy").</summary>
public sealed class WebHostingOptions
{
    public const string Section = "Siem:Web";

    /// <summary>Trust X-Forwarded-For/-Proto/-Host from <see cref="KnownProxies"/> (and <see cref="KnownNetworks"/>): the proxy terminates TLS.</summary>
    public bool ForwardedHeaders { get; set; }

    /// <summary>Proxy addresses whose forwarded headers are believed (loopback is always trusted).</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation (e.g. 10.0.0.0/8).</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>Redirect http to https and send HSTS (outside Development): on when the app itself, or its proxy, serves https.</summary>
    public bool Https { get; set; }

    /// <summary>A PKCS#12 certificate that encrypts the Data Protection keys in the database (otherwise they are protected by the database's own access rights).</summary>
    public string? KeyCertificatePath { get; set; }
    public string? KeyCertificatePassword { get; set; }
}

/// <summary>How the app finds its files and sits behind a proxy, wherever it was installed and started from.</summary>
public static class Deployment
{
    /// <summary>
    /// The content root: the current directory when it holds appsettings.json (<c>dotnet run</c>, the tests), otherwise the
    /// app's own folder, so a published app started from anywhere (<c>dotnet /opt/siem/Siem.Web.dll</c>, systemd, a container)
    /// reads its appsettings.json, serves its wwwroot and keeps its data beside itself. <c>--contentRoot</c> or
    /// <c>ASPNETCORE_CONTENTROOT</c> still decide when given.
    /// </summary>
    public static WebApplicationOptions Options(string[] args)
    {
        var configured = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
                         || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
                         || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
        var ownFolder = AppContext.BaseDirectory;
        var useOwnFolder = !configured && !File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"))
                           && File.Exists(Path.Combine(ownFolder, "appsettings.json"));
        return new WebApplicationOptions { Args = args, ContentRootPath = useOwnFolder ? ownFolder : null };
    }

    public static IServiceCollection AddSiemDeployment(this IServiceCollection services, IConfiguration configuration)
    {
        var hosting = configuration.GetSection(WebHostingOptions.Section).Get<WebHostingOptions>() ?? new WebHostingOptions();
        services.AddSingleton(hosting);
        // Cookie and antiforgery keys live in the store, not in one machine's home folder: every node (and a restarted
        // container) reads the same key ring.
        var keys = services.AddDataProtection().SetApplicationName("Siem").PersistKeysToDbContext<SiemDbContext>();
        if (!string.IsNullOrEmpty(hosting.KeyCertificatePath))
        {
            keys.ProtectKeysWithCertificate(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                hosting.KeyCertificatePath, hosting.KeyCertificatePassword));
        }

        if (hosting.ForwardedHeaders)
        {
            services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
                foreach (var proxy in hosting.KnownProxies)
                {
                    o.KnownProxies.Add(IPAddress.Parse(proxy));
                }

                foreach (var network in hosting.KnownNetworks)
                {
                    o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
                }
            });
        }

        if (hosting.Https)
        {
            services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        }

        return services;
    }

    /// <summary>First in the pipeline: the request's scheme, client address and host as the proxy saw them; then https.</summary>
    public static WebApplication UseSiemDeployment(this WebApplication app)
    {
        var hosting = app.Services.GetRequiredService<WebHostingOptions>();
        if (hosting.ForwardedHeaders)
        {
            app.UseForwardedHeaders();
        }

        if (hosting.Https)
        {
            if (!app.Environment.IsDevelopment())
            {
                app.UseHsts();
            }

            app.UseHttpsRedirection();
        }

        return app;
    }
}
