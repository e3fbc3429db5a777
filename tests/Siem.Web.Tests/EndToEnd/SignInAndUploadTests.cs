using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Siem.Web.Tests.EndToEnd;

/// <summary>An analyst's day: sign in, upload a labelled sample, watch it fill the pages, acknowledge the neptune incident; a viewer finds no actions.</summary>
public sealed class SignInAndUploadTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [RequiresChromiumFact]
    public async Task Sign_in_upload_and_watch_the_counters_move()
    {
        var page = await browser.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => console.Add($"page error: {error}");
        page.Response += (_, response) => { if (response.Status >= 400) console.Add($"{response.Status} {response.Request.Method} {response.Url}"); };
        try
        {
            await Scenario(page);
        }
        catch (Exception e)
        {
            await BrowserFixture.ScreenshotAsync(page, "failure");
            throw new Xunit.Sdk.XunitException($"{e.Message}\nBrowser console:\n{string.Join("\n", console)}\n(see failure.png)");
        }
    }

    private const string AnalystEmail = "analyst@test.local";
    private const string AnalystPassword = "Analyst-Password-42";

    private async Task Scenario(IPage page)
    {
        // The admin (already there from the first start) has created an analyst account.
        var created = await browser.App.ApiClient().PostAsJsonAsync("/api/admin/users", new Siem.Web.Identity.CreateUserRequest(AnalystEmail, AnalystPassword, "Analyst"));
        created.EnsureSuccessStatusCode();

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await BrowserFixture.ScreenshotAsync(page, "01-login");
        await page.FillAsync("#email", AnalystEmail);
        await page.FillAsync("#password", "wrong password");
        await page.ClickAsync("#sign-in");
        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("Wrong email or password");

        await SignInAsync(page, AnalystEmail, AnalystPassword);
        await Expect(page.GetByTestId("total-events")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("first-run")).ToContainTextAsync("seed --events");
        await BrowserFixture.ScreenshotAsync(page, "02-dashboard-empty");

        await BrowserFixture.GotoInteractiveAsync(page, "/upload");
        await Expect(page.Locator("[data-testid=drop-zone][data-ready=true]")).ToBeVisibleAsync();
        var sample = Path.Combine(Path.GetTempPath(), $"sample-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(sample, IngestTests.MixedFile(out var good, out var bad));
        await page.SetInputFilesAsync("[data-testid=file-input]", sample);
        await Expect(page.GetByTestId("job-status")).ToHaveTextAsync("Completed", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("job-classified")).ToHaveTextAsync(good.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("job-rejected")).ToHaveTextAsync(bad.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("job-accuracy")).ToContainTextAsync("100.00");
        await Expect(page.GetByTestId("job-history")).ToContainTextAsync(Path.GetFileName(sample));
        await BrowserFixture.ScreenshotAsync(page, "03-upload-completed");

        await BrowserFixture.GotoInteractiveAsync(page, "/timeline");
        await Expect(page.GetByTestId("timeline-caption")).ToContainTextAsync($"{good} events");
        await Expect(page.Locator("[data-testid=timeline-chart] .apexcharts-bar-area:not([barHeight='0'])").First).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=timeline-chart] .apexcharts-xaxis-annotations")).ToContainTextAsync("neptune → 10.0.0.9");
        await BrowserFixture.ScreenshotAsync(page, "04-timeline");
        await page.Locator("[data-testid=timeline-chart] .apexcharts-bar-area:not([barHeight='0'])").First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/events\\?from=\\d+&to=\\d+&q=category"));
        await Expect(page.GetByTestId("range-chip")).ToBeVisibleAsync();

        // An absolute range by link, stacked by label, in the light theme.
        var day = new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);
        await BrowserFixture.GotoInteractiveAsync(page, $"/timeline?from={day.ToUnixTimeMilliseconds()}&to={day.AddHours(2).ToUnixTimeMilliseconds()}");
        await Expect(page.GetByTestId("timeline-caption")).ToContainTextAsync($"{good} events");
        await Expect(page.Locator("#range-from")).ToHaveValueAsync("2026-11-20T08:00");
        await page.GetByTestId("stack-label").ClickAsync();
        await Expect(page.GetByTestId("timeline-caption")).ToContainTextAsync("stacked by label");
        await Expect(page.Locator("[data-testid=timeline-chart] .apexcharts-legend")).ToContainTextAsync("neptune");
        await page.GetByTestId("theme-toggle").ClickAsync();
        await WaitForThemeAsync(page, "light");
        await BrowserFixture.ScreenshotAsync(page, "04-timeline-by-label-light");
        await page.GetByTestId("theme-toggle").ClickAsync();
        await WaitForThemeAsync(page, "dark");

        await BrowserFixture.GotoInteractiveAsync(page, "/breakdown");
        await Expect(page.Locator("[data-testid=labels-chart] .apexcharts-pie")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("techniques")).ToContainTextAsync("T1499 Endpoint Denial of Service");
        await Expect(page.GetByTestId("hosts")).ToContainTextAsync("10.0.0.9");
        await Expect(page.GetByTestId("services")).ToContainTextAsync("private");
        await BrowserFixture.ScreenshotAsync(page, "04-breakdown");

        await BrowserFixture.GotoInteractiveAsync(page, "/model");
        var card = Siem.Detection.Model.ModelCard.Load(Siem.TestSupport.RepositoryPaths.ShippedCard);
        await Expect(page.GetByTestId("accuracy")).ToContainTextAsync(card.Metrics!.HeldOut!.Accuracy.ToString("P3"));
        await Expect(page.Locator("[data-testid=confusion-chart] .apexcharts-heatmap")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("labels")).ToContainTextAsync("T1110");
        await Expect(page.GetByTestId("content-rules")).ToContainTextAsync("failed-logins");
        await Expect(page.GetByTestId("calibration-error")).ToContainTextAsync("after");
        await Expect(page.GetByTestId("policy-trials").Locator("tbody tr")).ToHaveCountAsync(10);
        await Expect(page.GetByTestId("loao-folds")).ToContainTextAsync("warezclient");
        await Expect(page.GetByTestId("evaluation-accuracy")).ToContainTextAsync("100.00");
        await Expect(page.Locator("[data-testid=evaluation-confusion] .apexcharts-heatmap")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "04-model");

        // Site learning: an upload marked as the site's normal traffic is listed on the Model page.
        await BrowserFixture.GotoInteractiveAsync(page, "/jobs");
        await page.Locator("[data-testid^=mark-baseline-]").First.ClickAsync();
        await Expect(page.GetByTestId("baseline-chip").First).ToBeVisibleAsync();
        await BrowserFixture.GotoInteractiveAsync(page, "/model");
        await Expect(page.GetByTestId("site-feedback")).ToContainTextAsync("Baseline upload");
        await BrowserFixture.ScreenshotAsync(page, "04-model-site-learning");

        // Analysts see the versions but do not retrain or activate; an admin retrains on the baseline in the
        // background, activates the new version and rolls back (the rest of the scenario expects the shipped model).
        await Expect(page.GetByTestId("model-version-table")).ToContainTextAsync("shipped");
        await Expect(page.GetByTestId("retrain")).ToHaveCountAsync(0);
        var modelAdmin = await browser.NewPageAsync();
        await SignInAsync(modelAdmin, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);
        await BrowserFixture.GotoInteractiveAsync(modelAdmin, "/model");
        await modelAdmin.GetByTestId("retrain").ClickAsync();
        await Expect(modelAdmin.GetByTestId("retrain-status")).ToContainTextAsync("Succeeded", new() { Timeout = 120_000 });
        await Expect(modelAdmin.GetByTestId("model-version-table").Locator("tbody tr")).ToHaveCountAsync(2);
        await modelAdmin.GetByTestId("activate-2").ClickAsync();
        // The baseline marked above holds the scenario's SYN flood: trained as normal, the new version misses floods
        // and the guardrail refuses it; the admin overrides with a reason.
        await Expect(modelAdmin.GetByTestId("model-message")).ToContainTextAsync("Attack recall on the KDD held-out split would drop");
        await BrowserFixture.ScreenshotAsync(modelAdmin, "04-model-versions-guardrail");
        await modelAdmin.Locator("#override-reason").FillAsync("demo: the flood was our own load test");
        await modelAdmin.GetByTestId("override-activate").ClickAsync();
        await Expect(modelAdmin.GetByTestId("model-message")).ToContainTextAsync("Version 2 is active");
        await Expect(modelAdmin.GetByTestId("model-message")).ToContainTextAsync("Guardrail overridden");
        await Expect(modelAdmin.GetByTestId("model-version-2")).ToContainTextAsync("Active");
        await BrowserFixture.ScreenshotAsync(modelAdmin, "04-model-versions");
        await BrowserFixture.ScreenshotAsync(modelAdmin.GetByTestId("model-versions"), "04-model-versions-panel");
        await modelAdmin.GetByTestId("rollback").ClickAsync();
        await Expect(modelAdmin.GetByTestId("model-version-1")).ToContainTextAsync("Active");
        await modelAdmin.Context.CloseAsync();

        await BrowserFixture.GotoInteractiveAsync(page, "/events?q=" + Uri.EscapeDataString("label:neptune and flag:S0"));
        await Expect(page.GetByText("20 events")).ToBeVisibleAsync();
        await page.GetByTestId("events").Locator("tbody tr").First.ClickAsync();
        await Expect(page.GetByTestId("event-detail")).ToContainTextAsync("dst_host_srv_rerror_rate");
        await Expect(page.GetByTestId("event-model-version")).ToContainTextAsync("model version 1");
        await BrowserFixture.ScreenshotAsync(page, "05-events-explorer");

        await BrowserFixture.GotoInteractiveAsync(page, "/incidents");
        await page.GetByTestId("incidents").Locator("tbody tr", new() { HasText = "neptune" }).ClickAsync();
        await page.Locator("#incident-note").FillAsync("SYN flood on 10.0.0.9, checking the firewall");
        await page.GetByTestId("acknowledge").ClickAsync();
        await Expect(page.GetByTestId("incident-status")).ToHaveTextAsync("Acknowledged");
        await Expect(page.GetByTestId("audit")).ToContainTextAsync("SYN flood on 10.0.0.9, checking the firewall");
        await Expect(page.GetByTestId("audit")).ToContainTextAsync(AnalystEmail);
        await BrowserFixture.ScreenshotAsync(page, "06-incident-acknowledged");

        await BrowserFixture.GotoInteractiveAsync(page, "/");
        await Expect(page.GetByTestId("total-events")).ToHaveTextAsync(good.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByTestId("open-incidents")).ToContainTextAsync("neptune");

        // A second upload through the API: the open dashboard counts it without a reload.
        await browser.App.ApiClient().UploadAndWaitAsync("more.csv", IngestTests.MixedFile(out _, out _));
        await Expect(page.GetByTestId("total-events")).ToHaveTextAsync((2 * good).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 10_000 });
        await BrowserFixture.ScreenshotAsync(page, "07-dashboard-live");

        // More events than a page: the rows come first, the count after them gives the pager and the histogram.
        await BrowserFixture.GotoInteractiveAsync(page, "/events");
        await Expect(page.GetByTestId("event-count")).ToHaveTextAsync($"{2 * good} events");
        await Expect(page.Locator(".mud-table-pagination")).ToContainTextAsync($"1-50 of {2 * good}");
        await Expect(page.GetByTestId("histogram")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("counting")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "05-events-counted");

        // An analyst has no admin page; the admin creates an API key there (shown once) and sees it listed.
        await page.GotoAsync("/admin");
        await Expect(page).ToHaveURLAsync(new Regex("/account/denied"));
        await Expect(page.GetByText("Your role does not allow this page")).ToBeVisibleAsync();
        var admin = await browser.NewPageAsync();
        await SignInAsync(admin, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);
        page = admin;
        await BrowserFixture.GotoInteractiveAsync(page, "/admin");
        await Expect(page.GetByTestId("users")).ToContainTextAsync(SiemAppFactory.AdminEmail);
        await Expect(page.Locator("[data-interactive=true]")).ToBeVisibleAsync();
        await page.Locator("#key-name").FillAsync("sensor-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        await Expect(page.GetByTestId("new-key")).ToContainTextAsync("siem_");
        await Expect(page.GetByTestId("keys")).ToContainTextAsync("sensor-1");
        await BrowserFixture.ScreenshotAsync(page, "08-admin");

        // A viewer reads the same incident and finds no action buttons.
        await browser.App.ApiClient().PostAsJsonAsync("/api/admin/users", new Siem.Web.Identity.CreateUserRequest("viewer@test.local", "Viewer-Password-42", "Viewer"));
        var viewer = await browser.NewPageAsync();
        await SignInAsync(viewer, "viewer@test.local", "Viewer-Password-42");
        await BrowserFixture.GotoInteractiveAsync(viewer, "/incidents");
        await viewer.GetByTestId("incidents").Locator("tbody tr", new() { HasText = "neptune" }).First.ClickAsync();
        await Expect(viewer.GetByTestId("incident-detail")).ToBeVisibleAsync();
        await Expect(viewer.GetByTestId("incident-actions")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(viewer, "09-incident-as-viewer");
        File.Delete(sample);
    }

    /// <summary>
    /// Waits for the theme switch to be remembered. Polled through the DevTools protocol: Playwright's WaitForFunction
    /// compiles its predicate with eval inside the page, which the app's Content-Security-Policy (rightly) refuses.
    /// </summary>
    private static async Task WaitForThemeAsync(IPage page, string mode)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await page.EvaluateAsync<string?>("() => localStorage.getItem('siem-theme')") != mode)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the theme was not remembered as {mode}");
            await Task.Delay(50);
        }
    }

    internal static async Task SignInAsync(IPage page, string email, string password)
    {
        if (!page.Url.Contains("/account/login", StringComparison.Ordinal))
        {
            await page.GotoAsync("/account/login");
        }

        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(email);
    }
}

/// <summary>An analyst replays a capture as live traffic from the Upload page, pauses and resumes it.</summary>
public sealed class ReplayFromTheUploadPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [RequiresChromiumFact]
    public async Task Replay_a_file_as_live_traffic_with_pause_and_resume()
    {
        var page = await browser.NewPageAsync();
        await SignInAndUploadTests.SignInAsync(page, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);

        await BrowserFixture.GotoInteractiveAsync(page, "/upload");
        await Expect(page.Locator("[data-testid=drop-zone][data-ready=true]")).ToBeVisibleAsync();
        await page.GetByLabel("Replay as live traffic").CheckAsync();
        await page.GetByLabel("Records per second").FillAsync("12");
        await page.GetByLabel("Records per second").PressAsync("Tab");
        await Expect(page.GetByTestId("drop-zone")).ToHaveAttributeAsync("data-upload-url", "/api/uploads?replayRate=12");
        var sample = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(sample, IngestTests.MixedFile(out var good, out _));
        await page.SetInputFilesAsync("[data-testid=file-input]", sample);

        await Expect(page.GetByText("replaying at 12 records/s")).ToBeVisibleAsync();
        await page.GetByTestId("pause").ClickAsync();
        await Expect(page.GetByTestId("resume")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "10-replay-paused");
        await page.GetByTestId("resume").ClickAsync();
        await Expect(page.GetByTestId("job-status")).ToHaveTextAsync("Completed", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("job-classified")).ToHaveTextAsync(good.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Delete(sample);
    }
}

/// <summary>An analyst uploads a tcpdump capture; its connections show up with their own addresses.</summary>
public sealed class CaptureFromTheUploadPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [RequiresChromiumFact]
    public async Task Upload_a_pcap_and_find_its_connections_in_the_explorer()
    {
        var page = await browser.NewPageAsync();
        await SignInAndUploadTests.SignInAsync(page, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);
        await BrowserFixture.GotoInteractiveAsync(page, "/upload");
        await Expect(page.Locator("[data-testid=drop-zone][data-ready=true]")).ToBeVisibleAsync();
        var capture = new Siem.TestSupport.CaptureBuilder();
        for (var i = 0; i < 200; i++)
        {
            capture.Tcp(1_763_000_000 + 0.005 * i, "10.0.0.66", 2000 + i, "10.0.0.1", 80, Siem.TestSupport.Tcp.Syn);
        }

        var path = Path.Combine(Path.GetTempPath(), $"flood-{Guid.NewGuid():N}.pcap");
        capture.WritePcap(path);
        await page.SetInputFilesAsync("[data-testid=file-input]", path);
        await Expect(page.GetByTestId("job-status")).ToHaveTextAsync("Completed", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("job-classified")).ToHaveTextAsync("200");
        await BrowserFixture.ScreenshotAsync(page, "11-upload-capture");

        await BrowserFixture.GotoInteractiveAsync(page, "/events?q=" + Uri.EscapeDataString("flag:S0"));
        await Expect(page.GetByText("200 events")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("events")).ToContainTextAsync("10.0.0.1");
        await BrowserFixture.ScreenshotAsync(page, "12-events-from-capture");
        File.Delete(path);
    }
}

/// <summary>An analyst makes an exception from an incident; the next matching alerts are counted on it, not as incidents.</summary>
public sealed class ExceptionFromAnIncidentTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [RequiresChromiumFact]
    public async Task Add_an_exception_from_an_incident_and_see_it_suppress_the_next_alerts()
    {
        var api = browser.App.ApiClient();
        await api.UploadAndWaitAsync("floods.csv", ExceptionTests.Floods("10.0.0.20", 0));
        await browser.App.WaitForCorrelationAsync();
        var page = await browser.NewPageAsync();
        await SignInAndUploadTests.SignInAsync(page, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);

        await BrowserFixture.GotoInteractiveAsync(page, "/incidents");
        await page.GetByTestId("incidents").Locator("tbody tr", new() { HasText = "10.0.0.20" }).ClickAsync();
        await Expect(page.GetByTestId("incident-reason")).ToContainTextAsync("within 10 min");
        await page.GetByTestId("offer-exception").ClickAsync();
        await Expect(page.GetByTestId("exception-conditions")).ToContainTextAsync("dst host: 10.0.0.20");
        await Expect(page.GetByTestId("exception-conditions")).ToContainTextAsync("label: neptune");
        await page.Locator("#exception-reason").FillAsync("nightly load test of the web tier");
        await page.GetByTestId("create-exception").ClickAsync();
        await Expect(page.GetByTestId("add-exception")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "13-exception-from-incident");

        await api.UploadAndWaitAsync("more-floods.csv", ExceptionTests.Floods("10.0.0.20", 60));
        await browser.App.WaitForCorrelationAsync();
        await BrowserFixture.GotoInteractiveAsync(page, "/exceptions");
        var row = page.GetByTestId("exceptions").Locator("tbody tr", new() { HasText = "nightly load test of the web tier" });
        await Expect(row).ToContainTextAsync("dst host 10.0.0.20");
        await Expect(row.GetByTestId("suppressed-count")).ToHaveTextAsync("20");
        await BrowserFixture.ScreenshotAsync(page, "14-exceptions");
    }
}

/// <summary>A user changes their own password from the app bar; the old one stops working, the new one signs in.</summary>
public sealed class ChangeOwnPasswordTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [RequiresChromiumFact]
    public async Task A_user_changes_their_password_and_signs_in_with_the_new_one()
    {
        await browser.App.ApiClient().PostAsJsonAsync("/api/admin/users", new Siem.Web.Identity.CreateUserRequest("changer@test.local", "First-Password-42", "Viewer"));
        var page = await browser.NewPageAsync();
        await SignInAndUploadTests.SignInAsync(page, "changer@test.local", "First-Password-42");

        await page.GetByTestId("signed-in-user").ClickAsync();
        await page.FillAsync("#current", "wrong-password-123");
        await page.FillAsync("#new", "Second-Password-42");
        await page.ClickAsync("#change-password");
        await Expect(page.GetByTestId("password-error")).ToContainTextAsync("current password is wrong");
        await page.FillAsync("#current", "First-Password-42");
        await page.FillAsync("#new", "Second-Password-42");
        await page.ClickAsync("#change-password");
        await Expect(page.GetByTestId("password-changed")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "09-change-password");

        var other = await browser.NewPageAsync();
        await other.GotoAsync("/account/login");
        await other.FillAsync("#email", "changer@test.local");
        await other.FillAsync("#password", "First-Password-42");
        await other.ClickAsync("#sign-in");
        await Expect(other.GetByTestId("login-error")).ToBeVisibleAsync();
        await SignInAndUploadTests.SignInAsync(other, "changer@test.local", "Second-Password-42");
    }
}
