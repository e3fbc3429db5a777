using Bunit;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.Web.Components.Pages;
using Siem.Web.Identity;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests.Components;

public sealed class EventsPageTests : ComponentTestContext
{
    public EventsPageTests() => Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);

    /// <summary>Events one second apart from 0, each a SYN flood (neptune, an alert) or plain HTTP (normal), and their rollups.</summary>
    private async Task SeedAsync(int count, Func<int, bool> isFlood, params RollupMinute[] rollups)
    {
        await using var db = Db();
        db.Jobs.Add(new IngestJob { Id = 1, FileName = "f", StoredPath = "f", CreatedBy = "t" });
        for (var i = 0; i < count; i++)
        {
            var flood = isFlood(i);
            db.Events.Add(new SecurityEvent
            {
                JobId = 1,
                Line = i + 1,
                TimeMs = i * 1000,
                Connection = flood ? SynFlood(i) : NormalHttp(i),
                Label = flood ? "neptune" : "normal",
                Category = flood ? "dos" : "normal",
                Confidence = 0.9f,
                IsAlert = flood,
            });
        }

        db.Rollups.AddRange(rollups);
        await db.SaveChangesAsync();
    }

    [Fact]
    public void An_empty_store_says_what_to_do_next()
    {
        var cut = Render<Siem.Web.Components.Pages.Events>();

        cut.WaitForAssertion(() => Assert.Contains("No events yet: upload a capture", cut.Find("[data-testid=no-events]").TextContent));
    }

    [Fact]
    public async Task More_matches_than_a_page_are_counted_after_the_rows_and_the_pager_and_histogram_follow()
    {
        await SeedAsync(120, isFlood: _ => true,
            new RollupMinute { Minute = 0, Label = "neptune", Category = "dos", Count = 60, Alerts = 60 },
            new RollupMinute { Minute = 1, Label = "neptune", Category = "dos", Count = 60, Alerts = 60 });

        var cut = Render<Siem.Web.Components.Pages.Events>();

        // The first page is full, so only the count can tell the total: it arrives after the rows.
        cut.WaitForAssertion(() => Assert.Equal("120 events", cut.Find("[data-testid=event-count]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=counting]"));
        Assert.Equal(50, cut.FindAll("[data-testid=events] tbody tr").Count);
        Assert.Contains("1-50 of 120", cut.Find(".mud-table-pagination").TextContent);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=histogram]")));
    }

    [Fact]
    public async Task A_query_filters_the_rows_and_a_bad_one_shows_its_error()
    {
        // The writer stores the per-minute rollups with the events; the search relies on them.
        await SeedAsync(30, isFlood: i => i % 3 == 0,
            new RollupMinute { Minute = 0, Label = "neptune", Category = "dos", Count = 10, Alerts = 10 },
            new RollupMinute { Minute = 0, Label = "normal", Category = "normal", Count = 20 });

        var cut = Render<Siem.Web.Components.Pages.Events>();
        cut.WaitForAssertion(() => Assert.Contains("30 events", cut.Markup));

        cut.Find("#query").Input("label:neptune and count>=200");
        await cut.InvokeAsync(() => cut.Find("[data-testid=search]").Click());
        cut.WaitForAssertion(() => Assert.Contains("10 events", cut.Markup));
        await cut.InvokeAsync(() => cut.Find("[data-testid=events] tbody tr").Click());
        cut.WaitForAssertion(() => Assert.StartsWith("neptune", cut.Find("[data-testid=top-classes] .mud-chip").TextContent.Trim()));
        Assert.Equal(3, cut.FindAll("[data-testid=top-classes] .mud-chip").Count);

        cut.Find("#query").Input("label:");
        await cut.InvokeAsync(() => cut.Find("[data-testid=search]").Click());
        cut.WaitForAssertion(() => Assert.Contains("expected a value after 'label:'", cut.Find("[data-testid=query-error]").TextContent));
    }

    [Fact]
    public void The_column_chooser_hides_and_shows_columns_and_export_follows_the_query()
    {
        var popovers = Render<MudBlazor.MudPopoverProvider>(); // where the menu's items render
        var cut = Render<Siem.Web.Components.Pages.Events>();
        cut.WaitForAssertion(() => Assert.Contains("Protocol", cut.Find("[data-testid=events] thead").TextContent));
        Assert.DoesNotContain("Duration (s)", cut.Find("[data-testid=events] thead").TextContent);

        cut.InvokeAsync(() => cut.FindComponents<MudBlazor.MudMenu>().Single().Instance.OpenMenuAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs()));
        popovers.WaitForAssertion(() => Assert.NotNull(popovers.Find("[data-testid=column-Protocol]")));
        popovers.Find("[data-testid=column-Protocol]").Click();
        popovers.Find("[data-testid='column-Duration (s)']").Click();

        cut.WaitForAssertion(() => Assert.DoesNotContain("Protocol", cut.Find("[data-testid=events] thead").TextContent));
        Assert.Contains("Duration (s)", cut.Find("[data-testid=events] thead").TextContent);

        cut.Find("#query").Input("label:smurf");
        cut.WaitForAssertion(() => Assert.EndsWith("/api/events/export?q=label%3Asmurf", cut.Find("[data-testid=export]").GetAttribute("href")));
    }

    [Fact]
    public async Task An_analyst_marks_the_matches_as_normal_site_traffic_and_a_viewer_cannot()
    {
        await using (var db = Db())
        {
            db.Jobs.Add(new IngestJob { Id = 1, FileName = "f", StoredPath = "f", CreatedBy = "t" });
            for (var i = 0; i < 5; i++)
            {
                db.Events.Add(new SecurityEvent { JobId = 1, Line = i + 1, TimeMs = i * 1000, Connection = SynFlood(i), Label = "neptune", Category = "dos", Confidence = 0.9f, IsAlert = true });
            }

            db.Rollups.Add(new RollupMinute { Minute = 0, Label = "neptune", Category = "dos", Count = 5, Alerts = 5 });
            await db.SaveChangesAsync();
        }

        var viewer = Render<Siem.Web.Components.Pages.Events>();
        viewer.WaitForAssertion(() => Assert.Contains("5 events", viewer.Markup));
        Assert.Empty(viewer.FindAll("[data-testid=mark-normal]"));

        Authorization.SetAuthorized("analyst@test").SetRoles(SiemRoles.Analyst).SetPolicies(SiemPolicies.Read, SiemPolicies.Act);
        var cut = Render<Siem.Web.Components.Pages.Events>();
        cut.WaitForAssertion(() => Assert.Contains("5 events", cut.Markup));
        await cut.InvokeAsync(() => cut.Find("[data-testid=mark-normal]").Click());
        cut.Find("#mark-normal-note").Input("load balancer health checks");
        await cut.InvokeAsync(() => cut.Find("[data-testid=mark-normal-confirm]").Click());

        cut.WaitForAssertion(() => Assert.Contains("5 events added", cut.Find("[data-testid=mark-normal-outcome]").TextContent));
        await using var check = Db();
        var entry = Assert.Single(check.SiteFeedback);
        Assert.Equal((SiteFeedbackKind.Events, (string?)null, 5L, "load balancer health checks", "analyst@test"), (entry.Kind, entry.Query, entry.Records, entry.Note, entry.AddedBy));
    }
}
