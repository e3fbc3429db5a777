using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Ingest;
using Siem.TestSupport;
using Siem.Web.Tests.Sensors;
using static Microsoft.Playwright.Assertions;

namespace Siem.Web.Tests.EndToEnd;

/// <summary>Where a record came from, in the browser: a Zeek conn.log's events in the explorer and their detail, and the flow collector on the Admin page.</summary>
public sealed class SensorPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [RequiresChromiumFact]
    public async Task The_explorer_shows_each_events_sensor_and_the_admin_page_the_flow_collector()
    {
        var api = browser.App.ApiClient();
        await api.UploadAndWaitAsync("conn.log", Encoding.UTF8.GetBytes(ZeekIngestTests.ConnLog()), "text/plain");
        var collector = browser.App.Services.GetRequiredService<FlowCollector>();
        using (var sender = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            await sender.SendAsync(NetFlowV9.Datagram(withTemplate: true, [.. Enumerable.Range(0, 12).Select(NetFlowV9.Flow)]), new IPEndPoint(IPAddress.Loopback, await collector.Listening));
            await sender.SendAsync(new byte[] { 0, 5, 0, 0 }, new IPEndPoint(IPAddress.Loopback, await collector.Listening));
        }

        var page = await browser.NewPageAsync();
        await SignInAndUploadTests.SignInAsync(page, SiemAppFactory.AdminEmail, SiemAppFactory.AdminPassword);

        await BrowserFixture.GotoInteractiveAsync(page, "/events?q=" + Uri.EscapeDataString("uid:Cweb1 or uid:Csyn39 or label:neptune"));
        var web = page.GetByTestId("events").Locator("tbody tr", new() { HasText = "10.0.0.9:80" });
        await Expect(web).ToContainTextAsync("conn.log · Zeek conn.log (TSV)");
        await web.ClickAsync();
        await Expect(page.GetByTestId("event-source")).ToHaveTextAsync("Came from conn.log (Zeek conn.log (TSV)) · uid Cweb1 · Community ID 1:webflow=");
        await BrowserFixture.ScreenshotAsync(page, "18-zeek-events-and-detail");

        await BrowserFixture.GotoInteractiveAsync(page, "/admin");
        var panel = page.GetByTestId("flow-collector");
        await Expect(panel.GetByTestId("flow-exporters")).ToContainTextAsync("NetFlow v9", new() { Timeout = 30_000 });
        await Expect(panel.GetByTestId("flows-records")).ToContainTextAsync("12 stored");
        await Expect(panel.GetByTestId("flows-bad")).ToContainTextAsync("1 malformed");
        await BrowserFixture.ScreenshotAsync(panel, "19-flow-collector");
    }
}
