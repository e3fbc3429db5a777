using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Siem.Store.Events;
using Siem.Store.Exceptions;
using Siem.Store.Identity;
using Siem.Store.Incidents;
using Siem.Store.Ingest;
using Siem.Store.Live;
using Siem.Store.Models;
using Siem.Store.Notifications;
using Siem.Store.Persistence;
using Siem.Store.Retention;
using Siem.Store.Stats;

namespace Siem.Store;

/// <summary>Everything the store registers: the database, the model, the application services and the background workers.</summary>
public static class StoreServiceRegistration
{
    /// <summary>Adds the store with the settings under <c>Siem</c>; <paramref name="contentRoot"/> anchors a relative data folder.</summary>
    public static SiemOptions AddSiemStore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<SiemOptions>().Bind(configuration.GetSection(SiemOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var settings = configuration.GetSection(SiemOptions.Section).Get<SiemOptions>() ?? new SiemOptions();

        var folder = new DataFolder(Path.Combine(contentRoot, settings.DataDir));
        if (settings.Store.Provider == StoreProvider.Postgres && settings.Retention.MaxStoreGb is not null)
        {
            throw new InvalidOperationException(
                "Siem:Retention:MaxStoreGb applies to the SQLite store only: PostgreSQL keeps deleted rows' space for reuse, so its size does not tell what to delete. Use Siem:Retention:EventDays on PostgreSQL.");
        }

        var store = StoreBackend.Create(settings.Store, folder);
        services.AddSingleton(folder);
        services.AddSingleton(store);
        if (store is SqliteBackend sqlite)
        {
            services.AddSingleton(sqlite.Sqlite);
        }

        services.AddSingleton(TimeProvider.System);
        // Services create a context per operation from the factory (a Blazor circuit outlives a request);
        // Identity's stores use the scoped context.
        services.AddDbContextFactory<SiemDbContext>(store.Configure);
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<SiemDbContext>>().CreateDbContext());

        services.AddSingleton(_ => ActiveModel.LoadShipped(settings.ModelPath));

        services.AddSingleton<JobQueue>();
        services.AddSingleton<LiveNotifier>();
        services.AddSingleton<StreamIngest>();
        services.AddScoped<UploadStore>();
        services.AddSiemApplicationServices();

        // Hosted services start in this order: the store is ready before any worker runs.
        services.AddHostedService<StoreInitializer>();
        services.AddSingleton<IncidentCorrelator>();
        services.AddSingleton<NotificationDispatcher>();
        services.AddSingleton<RetentionSweeper>();
        services.AddHttpClient(NotificationSender.HttpClientName);
        services.AddSingleton<NotificationSender>();
        if (settings.Node.Ingest)
        {
            // The store's workers: one set per store (README "Deploy": several nodes).
            services.AddHostedService(sp => sp.GetRequiredService<IncidentCorrelator>());
            services.AddHostedService<JobRunner>();
            services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
            services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        }

        services.AddHostedService<StreamBatchWriter>(); // streams are accepted by whichever node they reach
        services.AddSingleton<FlowCollector>(); // listens only where Siem:Flows:Port is set
        services.AddHostedService(sp => sp.GetRequiredService<FlowCollector>());
        services.AddHostedService<LiveBroadcaster>();
        return settings;
    }

    /// <summary>The application services: the only way pages and endpoints reach the data (each opens a context per call).</summary>
    public static IServiceCollection AddSiemApplicationServices(this IServiceCollection services)
    {
        services.AddSingleton<JobService>();
        services.AddSingleton<IncidentService>();
        services.AddSingleton<IncidentQueries>();
        services.AddSingleton<EventService>();
        services.AddSingleton<StatsService>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<UserAdminService>();
        services.AddSingleton<ExceptionRules>();
        services.AddSingleton<ExceptionService>();
        services.AddSingleton<SiteLearning.SiteLearningService>();
        services.AddSingleton<ModelVersionService>();
        services.AddSingleton<NotificationService>();
        services.AddSingleton<StorageService>();
        services.AddSingleton<SavedSearchService>();
        services.AddSingleton<StoreLeases>();
        return services;
    }

    /// <summary>Identity's user and role stores on the SIEM database.</summary>
    public static IdentityBuilder AddSiemIdentityStores(this IdentityBuilder identity) => identity.AddEntityFrameworkStores<SiemDbContext>();
}
