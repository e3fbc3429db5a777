using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Siem.Detection.Model;
using Siem.Store.Persistence;

namespace Siem.Store.Models;

/// <summary>
/// The model versions: the shipped one, retrained and uploaded ones in the data folder's <c>models/</c>. Lists them
/// with their figures, activates one (with a guardrail on attack recall), rolls back, and loads the active one at start.
/// </summary>
public sealed class ModelVersionService(
    IDbContextFactory<SiemDbContext> databases, ActiveModel active, DataFolder folder, TimeProvider time, ILogger<ModelVersionService> logger)
{
    /// <summary>A version may lose at most this much attack recall on the KDD held-out split, unless an admin gives a reason.</summary>
    public const double MaxAttackRecallLoss = 0.01;

    public const string AuditEntity = "model";
    public const string ActivateAction = "model.activate";
    public const string RollbackAction = "model.rollback";
    public const string SystemActor = "system";

    private readonly ConcurrentDictionary<string, (DateTime Written, ModelCard Card)> _cards = new();

    /// <summary>Where retrained and uploaded versions are written, one folder each.</summary>
    public string VersionsFolder => Path.Combine(folder.Root, "models");

    /// <summary>
    /// At start, after migrations: registers the shipped model (again when an upgrade ships a new one) and loads
    /// the active version; a version that no longer loads falls back to the shipped model, audited.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var sha = Sha256(ModelFiles.Resolve(active.ShippedCardPath).Onnx);
        var shipped = await db.ModelVersions.FirstOrDefaultAsync(v => v.Kind == ModelVersionKind.Shipped && v.Sha256 == sha, cancellationToken);
        if (shipped is null)
        {
            var card = active.Shipped.Card;
            shipped = new ModelVersion
            {
                Kind = ModelVersionKind.Shipped,
                Name = $"{card.Name} (shipped)",
                CreatedUtc = card.CreatedUtc.UtcDateTime,
                CreatedBy = SystemActor,
                Source = card.TrainingData is { } data ? $"{data.File}, {data.Records:N0} records" : "shipped with the app",
                CardPath = active.ShippedCardPath,
                Sha256 = sha,
            };
            db.ModelVersions.Add(shipped);
            await db.SaveChangesAsync(cancellationToken);
        }
        else if (shipped.CardPath != active.ShippedCardPath)
        {
            shipped.CardPath = active.ShippedCardPath; // the app moved
            await db.SaveChangesAsync(cancellationToken);
        }

        var current = await db.ModelVersions.FirstOrDefaultAsync(v => v.IsActive, cancellationToken);
        if (current is null || (current.Kind == ModelVersionKind.Shipped && current.Id != shipped.Id))
        {
            var why = current is null ? "the shipped model, at first start" : $"an upgrade shipped a new model (was version {current.Id})";
            await ActivateCoreAsync(db, shipped, current, new LoadedModel(shipped.Id, active.Shipped), SystemActor, ActivateAction, why, null, cancellationToken);
            return;
        }

        if (current.Id == shipped.Id)
        {
            active.Swap(new LoadedModel(shipped.Id, active.Shipped));
            return;
        }

        try
        {
            active.Swap(new LoadedModel(current.Id, OnnxClassifier.Load(CardPathOf(current))));
            logger.LogInformation("Classifying with model version {Version} ({Name})", current.Id, current.Name);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            logger.LogError(e, "Model version {Version} does not load; falling back to the shipped model", current.Id);
            await ActivateCoreAsync(db, shipped, current, new LoadedModel(shipped.Id, active.Shipped), SystemActor, ActivateAction,
                $"version {current.Id} did not load at start: {e.Message}", null, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<ModelVersionView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var rows = await db.ModelVersions.AsNoTracking().OrderByDescending(v => v.Id).ToListAsync(cancellationToken);
        return [.. rows.Select(View)];
    }

    public async Task<ModelVersionView?> GetAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var row = await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        return row is null ? null : View(row);
    }

    /// <summary>A new, empty folder for a version's files under <see cref="VersionsFolder"/>.</summary>
    public string NewVersionFolder(ModelVersionKind kind)
    {
        var name = $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{kind.ToString().ToLowerInvariant()}-{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
        return Directory.CreateDirectory(Path.Combine(VersionsFolder, name)).FullName;
    }

    /// <summary>Registers a model written under <see cref="VersionsFolder"/> (it must load); not activated.</summary>
    public async Task<ModelVersionView> RegisterAsync(ModelVersionKind kind, string cardPath, string name, string createdBy, string source, CancellationToken cancellationToken = default)
    {
        var (onnx, card) = ModelFiles.Resolve(cardPath);
        using (OnnxClassifier.Load(card, cacheCapacity: 0))
        {
        }

        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var row = new ModelVersion
        {
            Kind = kind,
            Name = name,
            CreatedUtc = time.GetUtcNow().UtcDateTime,
            CreatedBy = createdBy,
            Source = source,
            CardPath = Path.GetRelativePath(folder.Root, Path.GetFullPath(card)),
            Sha256 = Sha256(onnx),
        };
        db.ModelVersions.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    /// <summary>
    /// Makes a version the one new records are classified with. Refused (unless <paramref name="overrideReason"/> is
    /// given, which is audited) when it would lose more than <see cref="MaxAttackRecallLoss"/> of attack recall on the
    /// KDD held-out split against the active version, or when either has no held-out figures to compare.
    /// </summary>
    public async Task<ActivationResult> ActivateAsync(int id, string actor, string? overrideReason, CancellationToken cancellationToken = default) =>
        await ActivateAsync(id, actor, overrideReason, ActivateAction, cancellationToken);

    /// <summary>Activates the version that was active before the current one (the same guardrail applies).</summary>
    public async Task<ActivationResult> RollbackAsync(string actor, string? overrideReason, CancellationToken cancellationToken = default)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var activations = await db.Audit.AsNoTracking()
            .Where(a => a.EntityType == AuditEntity && (a.Action == ActivateAction || a.Action == RollbackAction))
            .OrderByDescending(a => a.Id).Select(a => a.EntityId).Take(2).ToListAsync(cancellationToken);
        if (activations.Count < 2)
        {
            return new ActivationResult(ActivationStatus.NotFound, null, "There is no earlier version to roll back to.");
        }

        return await ActivateAsync(int.Parse(activations[1], CultureInfo.InvariantCulture), actor, overrideReason, RollbackAction, cancellationToken);
    }

    private async Task<ActivationResult> ActivateAsync(int id, string actor, string? overrideReason, string action, CancellationToken cancellationToken)
    {
        await using var db = await databases.CreateDbContextAsync(cancellationToken);
        var row = await db.ModelVersions.FirstOrDefaultAsync(v => v.Id == id, cancellationToken);
        if (row is null)
        {
            return new ActivationResult(ActivationStatus.NotFound, null, $"There is no model version {id}.");
        }

        if (row.IsActive)
        {
            return new ActivationResult(ActivationStatus.AlreadyActive, View(row), $"Version {id} is already active.");
        }

        OnnxClassifier classifier;
        try
        {
            classifier = row.Kind == ModelVersionKind.Shipped && CardPathOf(row) == active.ShippedCardPath ? active.Shipped : OnnxClassifier.Load(CardPathOf(row));
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return new ActivationResult(ActivationStatus.Invalid, View(row), $"Version {id} does not load: {e.Message}");
        }

        var current = await db.ModelVersions.FirstOrDefaultAsync(v => v.IsActive, cancellationToken);
        var concern = GuardrailConcern(row, current, classifier.Card);
        if (concern is not null && string.IsNullOrWhiteSpace(overrideReason))
        {
            if (classifier != active.Shipped)
            {
                classifier.Dispose(); // loaded only to be refused
            }

            return new ActivationResult(ActivationStatus.Refused, View(row), $"{concern}. Give a reason to activate it anyway (the override is audited).");
        }

        await ActivateCoreAsync(db, row, current, new LoadedModel(row.Id, classifier), actor, action, overrideReason?.Trim(), concern, cancellationToken);
        return new ActivationResult(ActivationStatus.Activated, View(row), concern is null ? null : $"Guardrail overridden: {concern}.");
    }

    private string? GuardrailConcern(ModelVersion candidate, ModelVersion? current, ModelCard candidateCard)
    {
        if (current is null)
        {
            return null;
        }

        var next = ModelFigures.From(candidateCard);
        var now = CardOf(current) is { } card ? ModelFigures.From(card) : null;
        if (next is null || now is null)
        {
            return $"Version {(next is null ? candidate.Id : current.Id)} has no KDD held-out figures, so attack recall cannot be compared";
        }

        return next.AttackRecall < now.AttackRecall - MaxAttackRecallLoss
            ? $"Attack recall on the KDD held-out split would drop from {now.AttackRecall:P3} (version {current.Id}) to {next.AttackRecall:P3} (version {candidate.Id}), more than {MaxAttackRecallLoss:P0}"
            : null;
    }

    private async Task ActivateCoreAsync(SiemDbContext db, ModelVersion next, ModelVersion? current, LoadedModel loaded, string actor, string action,
        string? reason, string? overriddenConcern, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (current is not null)
        {
            current.IsActive = false;
            await db.SaveChangesAsync(cancellationToken); // first: one active row at a time (unique index)
        }

        next.IsActive = true;
        next.ActivatedUtc = now;
        next.ActivatedBy = actor;
        db.Audit.Add(new AuditEntry
        {
            AtUtc = now,
            Actor = actor,
            Action = action,
            EntityType = AuditEntity,
            EntityId = next.Id.ToString(CultureInfo.InvariantCulture),
            Reason = reason,
            Details = $"version {current?.Id.ToString(CultureInfo.InvariantCulture) ?? "none"} -> {next.Id} ({next.Name})" +
                      (overriddenConcern is null ? "" : $"; guardrail overridden: {overriddenConcern}"),
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        active.Swap(loaded);
        logger.LogInformation("Model version {Version} ({Name}) activated by {Actor}", next.Id, next.Name, actor);
    }

    private string CardPathOf(ModelVersion row) => Path.GetFullPath(row.CardPath, folder.Root);

    private ModelCard? CardOf(ModelVersion row)
    {
        var path = CardPathOf(row);
        try
        {
            var written = File.GetLastWriteTimeUtc(path);
            if (_cards.TryGetValue(path, out var cached) && cached.Written == written)
            {
                return cached.Card;
            }

            var card = ModelCard.Load(path);
            _cards[path] = (written, card);
            return card;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private ModelVersionView View(ModelVersion row)
    {
        var card = CardOf(row);
        return new ModelVersionView(row.Id, row.Kind, row.Name, new DateTimeOffset(row.CreatedUtc, TimeSpan.Zero), row.CreatedBy, row.Source, row.IsActive,
            row.ActivatedUtc is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null, row.ActivatedBy,
            card is null ? null : ModelFigures.From(card), card is null ? $"The model card {row.CardPath} is missing or unreadable." : null);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
