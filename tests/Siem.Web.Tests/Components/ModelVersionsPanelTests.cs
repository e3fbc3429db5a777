using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Siem.Detection.Model;
using Siem.Store.Identity;
using Siem.Store.Models;
using Siem.Store.Persistence;
using Siem.TestSupport;
using Siem.Web.Identity;

namespace Siem.Web.Tests.Components;

/// <summary>The Model page's versions: listed side by side, activated by an admin, a refusal offers the audited override.</summary>
public sealed class ModelVersionsPanelTests : ComponentTestContext
{
    private ModelVersionService Versions => Services.GetRequiredService<ModelVersionService>();

    /// <summary>A copy of the shipped model registered as an upload, its card's held-out attack recall set by <paramref name="missedAttacks"/>.</summary>
    private async Task<ModelVersionView> AddCopyAsync(string name, long missedAttacks)
    {
        var folder = Versions.NewVersionFolder(ModelVersionKind.Uploaded);
        var (onnx, _) = ModelFiles.Resolve(RepositoryPaths.ShippedCard);
        File.Copy(onnx, ModelFiles.OnnxPath(folder, ModelFiles.DefaultModelName));
        var card = ModelCard.Load(RepositoryPaths.ShippedCard);
        var heldOut = card.Metrics!.HeldOut!;
        // Row 2 is dos: move missedAttacks of its records to the "predicted normal" column.
        long[][] confusion = [.. heldOut.CategoryConfusion.Select((row, i) => i == 2 ? [row[0] + missedAttacks, .. row.Skip(1).Select((c, j) => j == 1 ? c - missedAttacks : c)] : row.ToArray())];
        (card with { Metrics = card.Metrics with { HeldOut = heldOut with { CategoryConfusion = confusion } } }).Save(ModelFiles.CardPath(folder, ModelFiles.DefaultModelName));
        return await Versions.RegisterAsync(ModelVersionKind.Uploaded, ModelFiles.CardPath(folder, ModelFiles.DefaultModelName), name, "admin@test", "a test copy");
    }

    [Fact]
    public async Task A_viewer_sees_the_versions_side_by_side_without_actions()
    {
        Authorization.SetAuthorized("viewer@test").SetRoles(SiemRoles.Viewer).SetPolicies(SiemPolicies.Read);
        await Versions.StartAsync(CancellationToken.None);
        await AddCopyAsync("copy", missedAttacks: 0);

        var cut = Render<Siem.Web.Components.Models.ModelVersionsPanel>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=model-version-table] tbody tr").Count));
        Assert.Contains("Active", cut.Find("[data-testid=model-version-1]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=activate-2]"));
        Assert.Empty(cut.FindAll("[data-testid=retrain]"));
        var recall = ModelCard.Load(RepositoryPaths.ShippedCard).Metrics!.HeldOut!.AttackRecall();
        Assert.Contains(recall.ToString("P3"), cut.Find("[data-testid=model-version-2] [data-testid=attack-recall]").TextContent);
    }

    [Fact]
    public async Task An_admin_activates_a_version_and_a_refused_one_only_with_a_reason()
    {
        Authorization.SetAuthorized("admin@test").SetRoles(SiemRoles.Admin).SetPolicies(SiemPolicies.Read, SiemPolicies.Act, SiemPolicies.Administer);
        await Versions.StartAsync(CancellationToken.None);
        var same = await AddCopyAsync("same figures", missedAttacks: 0);
        var worse = await AddCopyAsync("misses floods", missedAttacks: 20_000);
        var active = Services.GetRequiredService<ActiveModel>();

        var cut = Render<Siem.Web.Components.Models.ModelVersionsPanel>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=model-version-table] tbody tr").Count));
        await cut.InvokeAsync(() => cut.Find($"[data-testid=activate-{same.Id}]").Click());

        cut.WaitForAssertion(() => Assert.Contains($"Version {same.Id} is active", cut.Find("[data-testid=model-message]").TextContent));
        Assert.Equal(same.Id, active.Current.VersionId);

        await cut.InvokeAsync(() => cut.Find($"[data-testid=activate-{worse.Id}]").Click());
        cut.WaitForAssertion(() => Assert.Contains("Attack recall on the KDD held-out split would drop", cut.Find("[data-testid=model-message]").TextContent));
        Assert.Equal(same.Id, active.Current.VersionId);
        Assert.True(cut.Find("[data-testid=override-activate]").HasAttribute("disabled"));
        cut.Find("#override-reason").Input("a trial on purpose");
        await cut.InvokeAsync(() => cut.Find("[data-testid=override-activate]").Click());

        cut.WaitForAssertion(() => Assert.Equal(worse.Id, active.Current.VersionId));
        Assert.Contains("Guardrail overridden", cut.Find("[data-testid=model-message]").TextContent);
        await using var db = Db();
        Assert.Equal("a trial on purpose", db.Audit.OrderBy(a => a.Id).Last().Reason);
    }
}
