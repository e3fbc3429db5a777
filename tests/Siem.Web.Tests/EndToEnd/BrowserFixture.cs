using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Siem.TestSupport;

namespace Siem.Web.Tests.EndToEnd;

/// <summary>The app on a real Kestrel port and headless Debian Chromium driven by Playwright.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public SiemAppFactory App { get; } = new();
    public IPlaywright Playwright { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;
    public Uri BaseAddress { get; private set; } = default!;

    public static string ScreenshotDirectory { get; } = Environment.GetEnvironmentVariable("SIEM_SCREENSHOTS")
        ?? Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");

    private readonly string _files = Directory.CreateTempSubdirectory("siem-e2e-").FullName;

    public async Task InitializeAsync()
    {
        // Retraining from the Model page: a small labelled fixture as the KDD data and a small trainer (seconds, not a minute).
        var kdd = Path.Combine(_files, "kdd.csv");
        File.WriteAllText(kdd, KddFixtures.LabelledCsv(normals: 200, floods: 200, smurfs: 60));
        App.Settings["Siem:Training:DataPath"] = kdd;
        App.Settings["Siem:Training:Iterations"] = "20";
        App.Settings["Siem:Training:Leaves"] = "8";
        App.Settings["Siem:Retention:Enabled"] = "true"; // the Admin page's "Sweep now"; the timer (a day) never fires in a test
        App.Settings["Siem:Retention:Interval"] = "1.00:00:00";
        App.Settings["Siem:Flows:Port"] = "0"; // the Admin page's flow collector panel, fed by SensorPagesTests
        App.Settings["Siem:Flows:AllowedExporters:0"] = "127.0.0.1";
        App.Settings["Siem:Flows:StitchWait"] = "00:00:00.100";
        App.UseKestrel(0);
        App.StartServer();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        App.ClientOptions.BaseAddress = BaseAddress; // API calls in the scenario go to the same Kestrel port
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
        // The whole suite runs at once on 2 cores (model training tests included): give pages time, not flakiness.
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <summary>
    /// Opens an app page and waits until it is interactive: the first HTML is prerendered, and a click
    /// before the circuit connects does nothing.
    /// </summary>
    public static async Task GotoInteractiveAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await Assertions.Expect(page.Locator("[data-app-interactive=true]")).ToBeVisibleAsync();
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        return await context.NewPageAsync();
    }

    /// <summary>Just one part of a page (a panel), at full resolution.</summary>
    public static Task ScreenshotAsync(ILocator part, string name) =>
        part.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png") });

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await App.DisposeAsync();
        Directory.Delete(_files, recursive: true);
    }
}

/// <summary>A browser test: needs Debian's chromium (installed by .ci/run); skipped, saying so, where it is missing.</summary>
public sealed class RequiresChromiumFactAttribute : FactAttribute
{
    public RequiresChromiumFactAttribute()
    {
        if (!File.Exists(BrowserFixture.ChromiumPath))
        {
            Skip = $"Needs headless Chromium at {BrowserFixture.ChromiumPath} (apt-get install chromium; .ci/run installs it).";
        }
    }
}
