using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Siem.Detection.Model;
using Siem.Store.Events;
using Siem.Store.Identity;
using Siem.Store.Models;
using Siem.Store.Persistence;
using Siem.TestSupport;
using Siem.Web.Identity;
using Siem.Web.Models;
using Siem.Web.SiteLearning;
using static Siem.TestSupport.KddFixtures;

namespace Siem.Web.Tests.Models;

/// <summary>
/// Model versions on the real app: retrain from the site's labelled set in the background, activate, roll back, the
/// attack-recall guardrail and its audited override, and models an admin uploads. The KDD training data is a small
/// fixture file (the real one is used by <c>SiteLearningOnLoopbackTests</c>) and the trainer is small, so a retrain takes seconds.
/// </summary>
public sealed class ModelVersionTests : IDisposable
{
    private readonly TempDirectory _files = new();
    private readonly SiemAppFactory _app = new();

    public ModelVersionTests()
    {
        File.WriteAllText(_files.File("kdd.csv"), LabelledCsv(normals: 200, floods: 200, smurfs: 60));
        _app.Settings["Siem:Training:DataPath"] = _files.File("kdd.csv");
        _app.Settings["Siem:Training:Iterations"] = "20";
        _app.Settings["Siem:Training:Leaves"] = "8";
    }

    /// <summary>At this site, bursts of half-open web connections are a health checker, not a SYN flood.</summary>
    private static string HealthChecks(int count) => string.Concat(Enumerable.Range(0, count).Select(i => ToCsvLine(SynFlood(i) with { Service = "http" }) + "\n"));

    [Fact]
    public async Task A_retrain_on_a_baseline_makes_a_version_that_once_activated_calls_the_site_traffic_normal_and_rollback_restores_the_shipped_model()
    {
        var client = _app.ApiClient();
        var before = await client.UploadAndWaitAsync("health-monday.csv", HealthChecks(50));
        Assert.Equal(50, before.Alerts); // the shipped model calls the health checker a flood
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/site/baselines", new BaselineRequest(before.Id, "the load balancer's health checks"))).StatusCode);

        var started = await client.PostAsJsonAsync("/api/models/retrain", new RetrainRequest());
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var done = await WaitForRetrainAsync(client);
        Assert.True(done.State == RetrainState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(50, done.SiteRecords);

        var versions = await client.GetFromJsonAsync<List<ModelVersionView>>("/api/models", ApiHelpers.Json);
        Assert.Equal(2, versions!.Count);
        var shipped = versions.Single(v => v.Kind == ModelVersionKind.Shipped);
        var retrained = versions.Single(v => v.Id == done.VersionId);
        Assert.True(shipped.IsActive);
        Assert.False(retrained.IsActive);
        Assert.Equal(ModelVersionKind.Retrained, retrained.Kind);
        Assert.Equal((40L, 10L), (retrained.Figures!.SiteRecordsTrainedOn, retrained.Figures.SiteHeldOutRecords)); // the last 20 % held out by time
        Assert.Contains("site's labelled set (50 records", retrained.Source);

        var activated = await client.PostAsJsonAsync($"/api/models/{retrained.Id}/activate", new ActivateRequest());
        Assert.Equal(HttpStatusCode.OK, activated.StatusCode);
        var after = await client.UploadAndWaitAsync("health-tuesday.csv", HealthChecks(50));
        Assert.Equal(0, after.Alerts);
        await using (var db = _app.CreateDb())
        {
            Assert.All(await db.Events.Where(e => e.JobId == after.Id).ToListAsync(), e => Assert.Equal((int?)retrained.Id, e.ModelVersion));
            Assert.All(await db.Events.Where(e => e.JobId == before.Id).ToListAsync(), e => Assert.Equal((int?)shipped.Id, e.ModelVersion));
            var anEvent = await db.Events.FirstAsync(e => e.JobId == after.Id);
            var detail = await _app.Services.GetRequiredService<EventService>().GetAsync(anEvent.Id);
            Assert.Equal(retrained.Id, detail!.MadeBy!.Id);
        }

        var rolledBack = await client.PostAsJsonAsync("/api/models/rollback", new ActivateRequest());
        Assert.Equal(HttpStatusCode.OK, rolledBack.StatusCode);
        Assert.Equal(shipped.Id, _app.Services.GetRequiredService<ActiveModel>().Current.VersionId);
        await using (var db = _app.CreateDb())
        {
            var audit = await db.Audit.Where(a => a.EntityType == ModelVersionService.AuditEntity).OrderBy(a => a.Id).Select(a => new { a.Action, a.EntityId }).ToListAsync();
            Assert.Equal(
                [new { Action = ModelVersionService.ActivateAction, EntityId = shipped.Id.ToString() }, new { Action = ModelVersionService.ActivateAction, EntityId = retrained.Id.ToString() },
                 new { Action = ModelVersionService.RollbackAction, EntityId = shipped.Id.ToString() }],
                audit);
        }
    }

    [Fact]
    public async Task A_version_that_loses_attack_recall_is_refused_unless_an_admin_gives_a_reason_which_is_audited()
    {
        var client = _app.ApiClient();
        var shippedCard = _app.Services.GetRequiredService<ActiveModel>().ShippedCardPath;
        var (onnx, _) = ModelFiles.Resolve(shippedCard);
        var card = ModelCard.Load(shippedCard);
        // The shipped trees with "normal" and "neptune" swapped in the card: SYN floods come out normal.
        var shifted = card with { Labels = [.. card.Labels.Select(l => l == "normal" ? "neptune" : l == "neptune" ? "normal" : l)], Name = "swapped" };

        var same = await UploadModelAsync(client, File.ReadAllBytes(onnx), CardBytes(card), "same trees, uploaded");
        var broken = await UploadModelAsync(client, File.ReadAllBytes(onnx), CardBytes(shifted), "swapped labels");
        Assert.Equal(HttpStatusCode.Created, same.StatusCode);
        Assert.Equal(HttpStatusCode.Created, broken.StatusCode);
        var good = (await same.Content.ReadFromJsonAsync<ModelVersionView>(ApiHelpers.Json))!;
        var bad = (await broken.Content.ReadFromJsonAsync<ModelVersionView>(ApiHelpers.Json))!;
        Assert.Equal(ModelVersionKind.Uploaded, good.Kind);
        Assert.True(good.Figures!.HeldOutRecords > 0, $"evaluated on the held-out split of the configured training file: {good.Source}");
        Assert.True(bad.Figures!.AttackRecall < 0.5, $"attack recall {bad.Figures.AttackRecall}");

        var refused = await client.PostAsJsonAsync($"/api/models/{bad.Id}/activate", new ActivateRequest());
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Attack recall on the KDD held-out split would drop", await refused.Content.ReadAsStringAsync());
        Assert.NotEqual(bad.Id, _app.Services.GetRequiredService<ActiveModel>().Current.VersionId);

        var overridden = await client.PostAsJsonAsync($"/api/models/{bad.Id}/activate", new ActivateRequest("testing the new exporter on purpose"));
        Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        Assert.Equal(bad.Id, _app.Services.GetRequiredService<ActiveModel>().Current.VersionId);
        await using (var db = _app.CreateDb())
        {
            var entry = await db.Audit.OrderBy(a => a.Id).LastAsync(a => a.EntityType == ModelVersionService.AuditEntity);
            Assert.Equal(("testing the new exporter on purpose", bad.Id.ToString()), (entry.Reason, entry.EntityId));
            Assert.Contains("guardrail overridden", entry.Details);
        }

        var good2 = await client.PostAsJsonAsync($"/api/models/{good.Id}/activate", new ActivateRequest());
        Assert.Equal(HttpStatusCode.OK, good2.StatusCode); // back up in recall: no reason needed
    }

    [Fact]
    public async Task Uploaded_models_that_do_not_fit_their_card_are_refused_with_the_reason()
    {
        var client = _app.ApiClient();
        var shippedCard = _app.Services.GetRequiredService<ActiveModel>().ShippedCardPath;
        var (onnx, _) = ModelFiles.Resolve(shippedCard);
        var card = ModelCard.Load(shippedCard);
        var onnxBytes = File.ReadAllBytes(onnx);

        var shortLabels = await UploadModelAsync(client, onnxBytes, CardBytes(card with { Labels = [.. card.Labels.Take(card.Labels.Count - 1)] }), null);
        var unknownLabel = await UploadModelAsync(client, onnxBytes, CardBytes(card with { Labels = [.. card.Labels.Take(card.Labels.Count - 1), "zzz_attack"] }), null);
        var wrongInput = await UploadModelAsync(client, onnxBytes, CardBytes(card with { Input = card.Input with { Name = "input_1" } }), null);
        var notOnnx = await UploadModelAsync(client, "not a model"u8.ToArray(), CardBytes(card), null);
        var notACard = await UploadModelAsync(client, onnxBytes, "{\"name\": 3"u8.ToArray(), null);

        await AssertProblemAsync(shortLabels, "scores 23 classes, the card lists 22 labels");
        await AssertProblemAsync(unknownLabel, "zzz_attack");
        await AssertProblemAsync(wrongInput, "input_1");
        await AssertProblemAsync(notOnnx, "does not fit its card");
        await AssertProblemAsync(notACard, "not a valid model card");
        var versions = await client.GetFromJsonAsync<List<ModelVersionView>>("/api/models", ApiHelpers.Json);
        Assert.Single(versions!); // nothing half-registered
        Assert.Empty(Directory.GetDirectories(Path.Combine(_app.DataDir, "models")));
    }

    [Fact]
    public async Task A_retrain_needs_site_data_can_be_cancelled_and_only_admins_change_versions()
    {
        var client = _app.ApiClient();
        var empty = await client.PostAsJsonAsync("/api/models/retrain", new RetrainRequest());
        await AssertProblemAsync(empty, "labelled set is empty");

        var job = await client.UploadAndWaitAsync("health.csv", HealthChecks(20));
        await client.PostAsJsonAsync("/api/site/baselines", new BaselineRequest(job.Id));
        var retrains = _app.Services.GetRequiredService<RetrainService>();
        retrains.HoldBeforeTraining();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/models/retrain", new RetrainRequest())).StatusCode);
        await WaitForRetrainAsync(client, s => s.Stage.StartsWith("held", StringComparison.Ordinal));
        var second = await client.PostAsJsonAsync("/api/models/retrain", new RetrainRequest());
        await AssertProblemAsync(second, "is running");
        Assert.Equal(HttpStatusCode.Accepted, (await client.DeleteAsync("/api/models/retrain")).StatusCode);
        var cancelled = await WaitForRetrainAsync(client);
        Assert.Equal(RetrainState.Cancelled, cancelled.State);
        Assert.Single((await client.GetFromJsonAsync<List<ModelVersionView>>("/api/models", ApiHelpers.Json))!);
        Assert.Empty(Directory.GetDirectories(Path.Combine(_app.DataDir, "models")));

        var key = await (await client.PostAsJsonAsync("/api/admin/keys", new CreateKeyRequest("model-analyst", SiemRoles.Analyst))).Content.ReadFromJsonAsync<CreatedApiKey>(ApiHelpers.Json);
        var analyst = _app.ApiClient(key!.Key);
        Assert.Equal(HttpStatusCode.OK, (await analyst.GetAsync("/api/models")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync("/api/models/1/activate", new ActivateRequest())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync("/api/models/retrain", new RetrainRequest())).StatusCode);
    }

    private static byte[] CardBytes(ModelCard card) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(card, ModelCard.JsonOptions);

    private static async Task<HttpResponseMessage> UploadModelAsync(HttpClient client, byte[] onnx, byte[] card, string? name)
    {
        using var form = new MultipartFormDataContent();
        var model = new ByteArrayContent(onnx);
        model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(model, "model", "model.onnx");
        var cardContent = new ByteArrayContent(card);
        cardContent.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        form.Add(cardContent, "card", "model.model.json");
        if (name is not null)
        {
            form.Add(new StringContent(name), "name");
        }

        return await client.PostAsync("/api/models", form);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest && body.Contains(expected, StringComparison.Ordinal), $"{response.StatusCode}: {body}");
    }

    /// <summary>Polls the retrain status until it is over (or <paramref name="until"/> holds).</summary>
    internal static async Task<RetrainStatus> WaitForRetrainAsync(HttpClient client, Func<RetrainStatus, bool>? until = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            var status = (await client.GetFromJsonAsync<RetrainStatus>("/api/models/retrain", ApiHelpers.Json))!;
            if (until?.Invoke(status) ?? status.State != RetrainState.Running)
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"retrain still {status.State} ({status.Stage}) after the timeout");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        _app.Dispose();
        _files.Dispose();
    }
}
