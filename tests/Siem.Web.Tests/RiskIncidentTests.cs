using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Siem.Store.Events;
using Siem.Store.Ingest;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>Risk-based incidents through the whole app: stray alerts are stored but open nothing; risk that adds up on a host opens one incident that says why.</summary>
public sealed class RiskIncidentTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private static string Csv(params (int Second, string Host, int Floods)[] bursts) => Floods(Start, bursts);

    /// <summary>A CSV of SYN-flood records, one a second from <paramref name="start"/> plus each burst's second, to each burst's host.</summary>
    internal static string Floods(DateTimeOffset start, params (int Second, string Host, int Floods)[] bursts)
    {
        var text = new StringBuilder("timestamp,dst_ip," + Header(withLabel: true) + "\n");
        foreach (var (second, host, floods) in bursts)
        {
            for (var i = 0; i < floods; i++)
            {
                text.Append(start.AddSeconds(second + i).ToString("O")).Append(',').Append(host).Append(',').Append(ToCsvLine(SynFlood(i), "neptune")).Append('\n');
            }
        }

        return text.ToString();
    }

    [Fact]
    public async Task A_stray_alert_is_kept_and_searchable_but_only_the_host_whose_risk_adds_up_gets_an_incident()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();

        var job = await client.UploadAndWaitAsync("week.csv", Csv((0, "10.0.0.50", 1), (60, "10.0.0.9", 20)));
        await app.WaitForCorrelationAsync();

        Assert.Equal(("Completed", 21L), (job.Status, job.Alerts));
        await using var db = app.CreateDb();
        var incident = Assert.Single(await db.Incidents.ToListAsync());
        Assert.Equal(("10.0.0.9", "neptune", 20L), (incident.DstHost, incident.Label, incident.AlertCount));
        Assert.Contains("within 10 min", incident.OpenReason);
        Assert.True(incident.Risk >= 40, $"risk {incident.Risk}");
        var stray = await client.GetFromJsonAsync<Page<EventView>>("/api/events?q=" + Uri.EscapeDataString("alert:true and dst_ip:\"10.0.0.50\""), ApiHelpers.Json);
        Assert.Equal(1, stray!.Total);
    }

    [Fact]
    public async Task Risk_held_from_one_upload_counts_with_the_next_on_the_same_host()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();

        await client.UploadAndWaitAsync("first.csv", Csv((0, "10.0.0.7", 3)));
        await app.WaitForCorrelationAsync();
        await using (var db = app.CreateDb())
        {
            Assert.Empty(await db.Incidents.ToListAsync());
            Assert.True(await db.PendingAlertGroups.AnyAsync(g => g.Held));
        }

        await client.UploadAndWaitAsync("second.csv", Csv((120, "10.0.0.7", 3)));
        await app.WaitForCorrelationAsync();

        await using (var db = app.CreateDb())
        {
            var incident = Assert.Single(await db.Incidents.ToListAsync());
            Assert.Equal((6L, Start.AddSeconds(0).ToUnixTimeMilliseconds()), (incident.AlertCount, incident.FirstSeenMs));
            Assert.Empty(await db.PendingAlertGroups.ToListAsync());
        }
    }
}
