using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor.Services;
using Siem.Store;
using Siem.Store.Ingest;
using Siem.Store.Live;
using Siem.Store.Persistence;
using Siem.TestSupport;
using Siem.Web.Hosting;
using Siem.Web.Ingest;
using Siem.Web.Live;

namespace Siem.Web.Tests.Components;

/// <summary>bUnit with the app's real pieces: a migrated SQLite file, the live notifier, the shipped model, MudBlazor.</summary>
public abstract class ComponentTestContext : BunitContext, IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    protected ComponentTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var connection = $"Data Source={_data.File("siem.db")};Pooling=False";
        Services.AddDbContextFactory<SiemDbContext>(o => o.UseSqlite(connection));
        Services.AddSingleton<LiveNotifier>();
        Services.AddSingleton<JobQueue>();
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new SiemOptions { Store = { CountBudget = TimeSpan.FromMinutes(1) } })); // exact totals however loaded the machine
        Services.AddSingleton<AntiforgeryStateProvider>(new FixedAntiforgery());
        Services.AddSingleton(_ => new Siem.Store.Models.ActiveModel(Siem.Detection.Model.OnnxClassifier.Load(RepositoryPaths.ShippedCard), RepositoryPaths.ShippedCard)); // the real model, loaded only by pages that use it
        Services.AddSingleton(new DataFolder(_data.Path));
        Services.AddSingleton<StoreBackend>(new SqliteBackend(new SqliteSetup(_data.File("siem.db")))); // the Admin page's storage panel reads the file's figures
        Services.AddSingleton<Siem.Store.Retention.RetentionSweeper>();
        Services.AddSingleton<StreamIngest>();
        Services.AddSingleton<FlowCollector>(); // the Admin page's flow panel (off: no port configured)
        Services.AddLogging();
        Services.AddSingleton<Siem.Web.Models.RetrainService>();
        Services.AddSingleton<Siem.Web.Models.ModelUploadService>();
        // Identity on the same file, for the admin page (users, roles, API keys).
        Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<SiemDbContext>>().CreateDbContext());
        Services.AddIdentityCore<SiemUser>(o => o.Password.RequiredLength = 12)
            .AddRoles<Microsoft.AspNetCore.Identity.IdentityRole>().AddEntityFrameworkStores<SiemDbContext>();
        Services.AddSingleton(TimeProvider.System);
        Services.AddSiemApplicationServices();
        Services.AddMudServices();
        Authorization = AddAuthorization();
        using var db = Services.GetRequiredService<IDbContextFactory<SiemDbContext>>().CreateDbContext();
        db.Database.Migrate();
    }

    protected BunitAuthorizationContext Authorization { get; }

    protected SiemDbContext Db() => Services.GetRequiredService<IDbContextFactory<SiemDbContext>>().CreateDbContext();

    private DateTimeOffset _liveClock = DateTimeOffset.UtcNow;

    /// <summary>Pushes what is pending in the notifier to subscribers, as the broadcaster does on its timer, an hour later each time (past any minimum interval).</summary>
    protected async Task FlushLiveAsync()
    {
        var live = Services.GetRequiredService<LiveNotifier>();
        _liveClock = _liveClock.AddHours(1);
        await live.DispatchAsync(live.Drain(_liveClock), _liveClock, NullLogger.Instance);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor services are only async-disposable, so the container must be disposed asynchronously.
    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        _data.Dispose();
    }

#pragma warning disable CA2215 // disposal happens in IAsyncLifetime.DisposeAsync above
    protected override void Dispose(bool disposing)
    {
    }
#pragma warning restore CA2215

    private sealed class FixedAntiforgery : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken GetAntiforgeryToken() => new("token-value", "__RequestVerificationToken");
    }
}
