using Siem.Detection.Model;
using Siem.Store.Persistence;

namespace Siem.Store.Models;

/// <summary>A model version as listed: who made it from what, whether it is active, and its figures from the card.</summary>
public sealed record ModelVersionView(
    int Id, ModelVersionKind Kind, string Name, DateTimeOffset CreatedUtc, string CreatedBy, string Source,
    bool IsActive, DateTimeOffset? ActivatedUtc, string? ActivatedBy, ModelFigures? Figures, string? Problem);

/// <summary>
/// What a version's card says about it, side by side with the others: the KDD held-out split (the same split for
/// every version trained or evaluated here), attacks left out of training, and the site's records held out by time.
/// </summary>
public sealed record ModelFigures(
    string? Trainer, long HeldOutRecords, double HeldOutAccuracy, double AttackRecall, double HeldOutNormalFalseAlarms,
    double? NovelAttacksDetected, double? NovelFalseAlarms, long SiteHeldOutRecords, double? SiteHeldOutAccuracy,
    double UnknownThreshold, long SiteRecordsTrainedOn)
{
    public static ModelFigures? From(ModelCard card)
    {
        if (card.Metrics?.HeldOut is not { } heldOut)
        {
            return null;
        }

        var normalRow = heldOut.CategoryConfusion.Length > 0 ? heldOut.CategoryConfusion[0] : [];
        var normals = normalRow.Sum();
        var site = card.Metrics.SiteHeldOut;
        return new ModelFigures(
            card.Trainer?.Name, heldOut.Records, heldOut.Accuracy, heldOut.AttackRecall(),
            normals == 0 ? 0 : (double)(normals - normalRow[0]) / normals,
            card.Metrics.LeaveOneAttackOut?.MeanDetectionRate, card.Metrics.LeaveOneAttackOut?.NormalFalseAlarmRate,
            site?.Records ?? 0, site?.Accuracy, card.Decision.UnknownConfidenceThreshold,
            (card.TrainingData?.SiteFiles.Sum(f => f.Records) ?? 0) - (site?.Records ?? 0));
    }
}

public enum ActivationStatus
{
    Activated,
    AlreadyActive,
    NotFound,

    /// <summary>The guardrail refused: the version would lose attack recall (or cannot be compared) and no override reason was given.</summary>
    Refused,

    /// <summary>The version's files are missing or do not load.</summary>
    Invalid,
}

public sealed record ActivationResult(ActivationStatus Status, ModelVersionView? Version, string? Message);
