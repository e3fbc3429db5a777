using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Siem.Store.Identity;
using Siem.Store.Persistence;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests;

/// <summary>Operating the app: recovering a lost admin password, clearing uploads a crash left behind, times that say UTC.</summary>
public sealed class FirstRunTests
{
    [Fact]
    public async Task Reset_password_at_start_gives_the_admin_the_configured_password_unlocks_and_enables_them()
    {
        await using var app = new SiemAppFactory();
        var users = app.Services.GetRequiredService<UserManager<SiemUser>>();
        var admin = (await users.FindByEmailAsync(SiemAppFactory.AdminEmail))!;
        admin.Disabled = true;
        await users.UpdateAsync(admin);
        await users.SetLockoutEndDateAsync(admin, DateTimeOffset.MaxValue);

        await using var restarted = app.WithWebHostBuilder(b =>
        {
            b.UseSetting("Siem:Admin:ResetPassword", "true");
            b.UseSetting("Siem:Admin:Password", "A-New-Password-2026");
        });
        var again = restarted.Services.GetRequiredService<UserManager<SiemUser>>();
        var reset = (await again.FindByEmailAsync(SiemAppFactory.AdminEmail))!;

        Assert.True(await again.CheckPasswordAsync(reset, "A-New-Password-2026"));
        Assert.False(await again.CheckPasswordAsync(reset, SiemAppFactory.AdminPassword));
        Assert.False(reset.Disabled);
        Assert.False(await again.IsLockedOutAsync(reset));
        Assert.True(await again.IsInRoleAsync(reset, SiemRoles.Admin));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_finished_uploads_file_is_deleted_unless_kept_by_setting(bool keep)
    {
        await using var app = new SiemAppFactory();
        app.Settings["Siem:Ingest:KeepUploadedFiles"] = keep.ToString();
        var job = await app.ApiClient().UploadAndWaitAsync("done.csv", LabelledCsv(2, 2, 2));

        Assert.Equal("Completed", job.Status);
        Assert.Equal(keep, Directory.GetFiles(Path.Combine(app.DataDir, "uploads")).Any(f => f.EndsWith("done.csv", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Upload_files_no_job_points_at_are_removed_at_start_unless_still_being_written()
    {
        await using var app = new SiemAppFactory();
        app.Settings["Siem:Ingest:KeepUploadedFiles"] = "true";
        var job = await app.ApiClient().UploadAndWaitAsync("kept.csv", LabelledCsv(2, 2, 2));
        var uploads = Path.Combine(app.DataDir, "uploads");
        var orphan = Path.Combine(uploads, "20261201000000-deadbeef-partial.csv");
        var arriving = Path.Combine(uploads, "20261202000000-cafebabe-arriving.csv");
        File.WriteAllText(orphan, "half a file");
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddHours(-2));
        File.WriteAllText(arriving, "being written");

        await using var restarted = app.WithWebHostBuilder(_ => { });
        _ = restarted.Services;

        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(arriving));
        Assert.Single(Directory.GetFiles(uploads), f => f.EndsWith("kept.csv", StringComparison.Ordinal));
        Assert.Equal("Completed", job.Status);
    }

    [Fact]
    public async Task Job_times_say_utc_in_lists_as_on_create()
    {
        await using var app = new SiemAppFactory();
        var client = app.ApiClient();
        await client.UploadAndWaitAsync("times.csv", LabelledCsv(2, 2, 2));

        var list = await client.GetFromJsonAsync<JsonElement>("/api/jobs");
        var created = list.EnumerateArray().First().GetProperty("createdUtc").GetString()!;

        Assert.EndsWith("Z", created);
    }
}
