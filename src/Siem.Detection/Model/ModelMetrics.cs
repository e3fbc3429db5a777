namespace Siem.Detection.Model;

/// <summary>Quality figures written into the card and printed by <c>siem evaluate</c>.</summary>
public sealed record ModelMetrics
{
    public EvaluationReport? HeldOut { get; init; }
    public LeaveOneAttackOutReport? LeaveOneAttackOut { get; init; }

    /// <summary>The site's own labelled records held out by time (the last of each file), when the model was trained with them.</summary>
    public EvaluationReport? SiteHeldOut { get; init; }
}

public sealed record EvaluationReport
{
    public required long Records { get; init; }
    public required double Accuracy { get; init; }
    public required double MacroF1 { get; init; }
    public required double CategoryAccuracy { get; init; }
    public required double CostPerExample { get; init; }
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>Rows actual, columns predicted, both in category order (normal, probe, dos, u2r, r2l).</summary>
    public required long[][] CategoryConfusion { get; init; }

    public long UnknownFlagged { get; init; }
    public long Unscored { get; init; }

    /// <summary>Share of attack records (every category but normal) not called normal: what the activation guardrail compares.</summary>
    public double AttackRecall()
    {
        long attacks = 0, missed = 0;
        for (var actual = 1; actual < CategoryConfusion.Length; actual++)
        {
            attacks += CategoryConfusion[actual].Sum();
            missed += CategoryConfusion[actual][0];
        }

        return attacks == 0 ? 0 : (double)(attacks - missed) / attacks;
    }
}

public sealed record ClassMetrics(string Label, long Support, long Predicted, double Precision, double Recall, double F1);

/// <summary>Generalisation to attack types the model never saw: each fold trains without one attack type.</summary>
public sealed record LeaveOneAttackOutReport
{
    public required string Method { get; init; }
    public required IReadOnlyList<LeaveOneAttackOutFold> Folds { get; init; }

    /// <summary>Share of held-out normal records flagged unknown or called an attack (false alarms).</summary>
    public required double NormalFalseAlarmRate { get; init; }

    /// <summary>Mean over folds of the share of the left-out attack's records detected (attack or unknown).</summary>
    public required double MeanDetectionRate { get; init; }

    /// <summary>Share of normal traffic the unknown threshold is set to flag.</summary>
    public double UnknownFalseAlarmRate { get; init; }

    /// <summary>
    /// Mean over the five categories of the KDD cost per example (attack categories: mean over their left-out types;
    /// normal: false alarms on held-out normal traffic). The figure decision policies are chosen on.
    /// </summary>
    public double BalancedCost { get; init; }

    /// <summary>Detection of novel attacks against false alarms, for several unknown thresholds.</summary>
    public IReadOnlyList<DetectionAtFalseAlarmRate> Curve { get; init; } = [];
}

public sealed record DetectionAtFalseAlarmRate(double UnknownRate, double MeanDetectionRate, double NormalFalseAlarmRate, double BalancedCost = 0);

public sealed record LeaveOneAttackOutFold(string LeftOut, string Category, long Records, double DetectedAsAttack, double FlaggedUnknown, double Detected, double PredictedNormal)
{
    /// <summary>Share of the left-out records put in their own category (the KDD scoring unit).</summary>
    public double RightCategory { get; init; }

    /// <summary>KDD cost per left-out record.</summary>
    public double CostPerExample { get; init; }
}
