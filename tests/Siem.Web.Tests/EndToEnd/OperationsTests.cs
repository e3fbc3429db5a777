using System.Text.Json;
using Microsoft.Playwright;
using Siem.Web.Tests.Notifications;
using static Microsoft.Playwright.Assertions;

namespace Siem.Web.Tests.EndToEnd;

/// <summary>
/// An admin sets up what runs unattended: a webhook rule (tested, then told of a real incident), the retention sweep
/// on the Admin page, and a saved search in the explorer that the timeline links to.
/// </summary>
public sealed class OperationsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [RequiresChromiumFact]
    public async Task Notifications_retention_and_a_saved_search_from_the_browser()
    {
        await using var receiver = new WebhookReceiver();
        var api = browser.App.ApiClient();
        var page = await browser.NewPageAsync();
        await SignInAndUploadTests.SignInAsync(page, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);

        // Notifications: a webhook rule, a test, then a real incident.
        await BrowserFixture.GotoInteractiveAsync(page, "/notifications");
        await Expect(page.GetByTestId("no-rules")).ToBeVisibleAsync();
        await page.Locator("#rule-name").FillAsync("SOC channel");
        await page.Locator("#rule-target").FillAsync(receiver.Url);
        await page.GetByTestId("create-rule").ClickAsync();
        var rule = page.GetByTestId("rules").Locator("tbody tr", new() { HasText = "SOC channel" });
        await Expect(rule).ToContainTextAsync("opened, severity Medium or more");
        await rule.GetByTestId("send-test").ClickAsync();
        using (var test = JsonDocument.Parse((await receiver.NextAsync()).Body))
        {
            Assert.Equal("test", test.RootElement.GetProperty("trigger").GetString());
        }

        await Expect(page.GetByTestId("deliveries")).ToContainTextAsync("HTTP 200 OK");
        await api.UploadAndWaitAsync("floods.csv", RiskIncidentTests.Floods(DateTimeOffset.UtcNow.AddMinutes(-5), (0, "10.0.0.31", 20)));
        await browser.App.WaitForCorrelationAsync();
        using (var opened = JsonDocument.Parse((await receiver.NextAsync()).Body))
        {
            Assert.Equal(("incident.opened", "10.0.0.31"), (opened.RootElement.GetProperty("trigger").GetString(),
                opened.RootElement.GetProperty("incident").GetProperty("host").GetString()));
        }

        await BrowserFixture.GotoInteractiveAsync(page, "/notifications");
        await Expect(page.GetByTestId("deliveries").Locator("tbody tr").First).ToContainTextAsync("incident #");
        await Expect(page.GetByTestId("deliveries").Locator("tbody tr").First).ToContainTextAsync("Delivered");
        await BrowserFixture.ScreenshotAsync(page, "15-notifications");

        // Retention: events from 120 days ago go at "Sweep now"; the panel says what went.
        await api.UploadAndWaitAsync("old.csv", RiskIncidentTests.Floods(DateTimeOffset.UtcNow.AddDays(-120), (0, "10.0.0.32", 7)));
        await BrowserFixture.GotoInteractiveAsync(page, "/admin");
        await Expect(page.GetByTestId("retention-policy")).ToContainTextAsync("events 90 days");
        await Expect(page.GetByTestId("events-held")).ToContainTextAsync("27");
        await page.GetByTestId("sweep-now").ClickAsync();
        await Expect(page.GetByTestId("last-sweep")).ToContainTextAsync("7 events past the age limit");
        await Expect(page.GetByTestId("events-held")).ToContainTextAsync("20");
        await BrowserFixture.ScreenshotAsync(page.GetByTestId("storage"), "16-storage-and-retention");

        // A saved search: save the explorer's query (shared), run a built-in one, reach the saved one from the timeline.
        await BrowserFixture.GotoInteractiveAsync(page, "/events?q=" + Uri.EscapeDataString("label:neptune and dst_ip:\"10.0.0.31\""));
        await Expect(page.GetByTestId("event-count")).ToHaveTextAsync("20 events");
        await page.GetByTestId("save-search-open").ClickAsync();
        await page.Locator("#search-name").FillAsync("Floods on the web tier");
        await page.GetByLabel("Shared with everyone").CheckAsync();
        await page.GetByTestId("save-search-confirm").ClickAsync();
        await Expect(page.GetByTestId("save-search")).ToHaveCountAsync(0);
        await page.GetByText("Saved searches (4)").ClickAsync();
        var saved = page.GetByTestId("saved-searches").Locator("tbody tr", new() { HasText = "Floods on the web tier" });
        await Expect(saved).ToContainTextAsync("last 24 h");
        await Expect(saved).ToContainTextAsync("shared by");
        await page.GetByTestId("saved-searches").Locator("tbody tr", new() { HasText = "Unknown traffic" }).GetByTestId("run-search").ClickAsync();
        await Expect(page.Locator("#query")).ToHaveValueAsync("unknown:true");
        await saved.GetByTestId("run-search").ClickAsync();
        await Expect(page.GetByTestId("event-count")).ToHaveTextAsync("20 events");
        await BrowserFixture.ScreenshotAsync(page, "17-saved-searches");

        await BrowserFixture.GotoInteractiveAsync(page, "/timeline");
        await page.GetByTestId("saved-search-links").ClickAsync();
        await page.GetByText("Floods on the web tier").ClickAsync();
        await Expect(page.Locator("#query")).ToHaveValueAsync("label:neptune and dst_ip:\"10.0.0.31\"");
        await Expect(page.GetByTestId("range-chip")).ToBeVisibleAsync();
    }
}
