using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Persistence;
using Siem.TestSupport;

namespace Siem.Web.Tests;

/// <summary>
/// The real app on a real temporary SQLite file (or, as <see cref="PostgresAppFactory"/>, a database of its own on the
/// test PostgreSQL server) with the shipped model; API access by a bootstrap admin key.
/// </summary>
public class SiemAppFactory : WebApplicationFactory<Program>
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string AdminEmail = "admin@test.local";
    public const string AdminPassword = "Correct-Horse-42";

    private readonly TempDirectory _data = new();

    public SiemAppFactory()
        : this(StoreProvider.Sqlite)
    {
    }

    protected SiemAppFactory(StoreProvider provider)
    {
        Provider = provider;
        // Tests assert exact totals on a loaded machine: the explorer's count may take as long as it needs (CountBudgetTests set it).
        Settings["Siem:Store:CountBudget"] = "00:01:00";
        if (provider == StoreProvider.Postgres)
        {
            Settings["Siem:Store:Provider"] = "Postgres";
            Settings["Siem:Store:ConnectionString"] = PostgresServer.Shared.NewDatabase();
        }
    }

    public StoreProvider Provider { get; }

    /// <summary>A second instance on this one's store: its data folder (uploads) and, on PostgreSQL, its database.</summary>
    public SiemAppFactory AnotherNode()
    {
        var node = On(Provider);
        node.Settings["Siem:DataDir"] = DataDir;
        if (Settings.TryGetValue("Siem:Store:ConnectionString", out var connectionString))
        {
            node.Settings["Siem:Store:ConnectionString"] = connectionString;
        }

        return node;
    }

    /// <summary>A new app on <paramref name="provider"/>'s store.</summary>
    public static SiemAppFactory On(StoreProvider provider) => provider == StoreProvider.Postgres ? new PostgresAppFactory() : new SiemAppFactory();

    public string DataDir => _data.Path;

    /// <summary>More settings for this app (set before its first client is created).</summary>
    public Dictionary<string, string> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Siem:DataDir", _data.Path);
        builder.UseSetting("Siem:Admin:Email", AdminEmail);
        builder.UseSetting("Siem:Admin:Password", AdminPassword);
        builder.UseSetting("Siem:Bootstrap:ApiKey", AdminKey);
        builder.UseSetting("Siem:Ingest:BatchSize", "256");
        builder.UseSetting("Siem:Retention:Enabled", "false"); // fixtures are dated in the past; retention tests turn it on
        builder.UseSetting("DetailedErrors", "true"); // circuit exceptions reach the browser console the browser tests print
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public HttpClient ApiClient(string key = AdminKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>
    /// The app with a one-batch stream queue of 10 records and a short saturation wait, its stream writer
    /// paused: the second batch of a request finds the queue full. Returns an admin-key client and the queue.
    /// </summary>
    public (WebApplicationFactory<Program> App, HttpClient Client, Siem.Store.Ingest.StreamIngest Ingest) WithSaturatedStream(TimeSpan saturationWait)
    {
        var app = WithWebHostBuilder(b =>
        {
            b.UseSetting("Siem:Ingest:StreamQueueBatches", "1");
            b.UseSetting("Siem:Ingest:StreamBatchSize", "10");
            b.UseSetting("Siem:Ingest:SaturationWait", saturationWait.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        });
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var ingest = app.Services.GetRequiredService<Siem.Store.Ingest.StreamIngest>();
        ingest.PauseWriting();
        return (app, client, ingest);
    }

    public SiemDbContext CreateDb() => Services.CreateScope().ServiceProvider.GetRequiredService<SiemDbContext>();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}

/// <summary>The same app on PostgreSQL: a database of its own on the test server (<see cref="PostgresServer"/>).</summary>
public sealed class PostgresAppFactory : SiemAppFactory
{
    public PostgresAppFactory()
        : base(StoreProvider.Postgres)
    {
    }
}
