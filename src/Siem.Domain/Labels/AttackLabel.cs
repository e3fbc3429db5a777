namespace Siem.Domain.Labels;

/// <summary>A KDD label (normal or an attack type) with its category and ATT&amp;CK technique.</summary>
public sealed record AttackLabel(string Name, KddCategory Category, MitreTechnique? Technique, bool InTrainingSet)
{
    public bool IsAttack => Category != KddCategory.Normal;
}
