using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using Siem.Web.Identity;

namespace Siem.Web.Tests.Components;

/// <summary>The admin page on real Identity stores (the test's SQLite file): users and API keys.</summary>
public sealed class AdminPageTests : ComponentTestContext
{
    public AdminPageTests()
    {
        Authorization.SetAuthorized("admin@test").SetRoles(SiemRoles.Admin).SetPolicies(SiemPolicies.Read, SiemPolicies.Act, SiemPolicies.Administer);
    }

    private async Task SeedRolesAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in SiemRoles.All)
        {
            await roles.CreateAsync(new IdentityRole(role));
        }
    }

    [Fact]
    public async Task An_admin_creates_an_analyst_and_a_key_that_is_shown_once()
    {
        await SeedRolesAsync();
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var popovers = Render<MudBlazor.MudPopoverProvider>();
        var cut = Render<Siem.Web.Components.Pages.Admin>();

        cut.FindAll("input")[0].Change("new.analyst@test");
        cut.FindAll("input")[1].Change("A-long-password-123");
        await cut.InvokeAsync(() => cut.Find("form").Submit());

        cut.WaitForAssertion(() => Assert.Contains("new.analyst@test", cut.Find("[data-testid=users]").TextContent));
        Assert.Contains("Analyst", cut.Find("[data-testid=users]").TextContent);

        cut.Find("#key-name").Input("sensor-7");
        await cut.InvokeAsync(() => cut.FindAll("button").Single(b => b.TextContent.Contains("Create key", StringComparison.OrdinalIgnoreCase)).Click());

        cut.WaitForAssertion(() => Assert.Contains("siem_", cut.Find("[data-testid=new-key]").TextContent));
        Assert.Contains("sensor-7", cut.Find("[data-testid=keys]").TextContent);
        await using var db = Db();
        var stored = await db.ApiKeys.SingleAsync(k => k.Name == "sensor-7");
        Assert.DoesNotContain(stored.Hash, cut.Markup); // only the hash is stored, and it is never shown
        Assert.NotNull(popovers);
    }
}
