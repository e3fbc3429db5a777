namespace Siem.Domain.Labels;

/// <summary>The five KDD Cup 99 categories, in the order of the official cost matrix.</summary>
public enum KddCategory
{
    Normal = 0,
    Probe = 1,
    Dos = 2,
    U2R = 3,
    R2L = 4,
}

public static class KddCategoryNames
{
    public static IReadOnlyList<KddCategory> All { get; } = Enum.GetValues<KddCategory>();

    /// <summary>The lower-case name used in files and the UI (normal, probe, dos, u2r, r2l).</summary>
    public static string ToName(this KddCategory category) => category switch
    {
        KddCategory.Normal => "normal",
        KddCategory.Probe => "probe",
        KddCategory.Dos => "dos",
        KddCategory.U2R => "u2r",
        KddCategory.R2L => "r2l",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    public static bool TryParse(string? name, out KddCategory category)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToName(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                category = candidate;
                return true;
            }
        }

        category = default;
        return false;
    }
}
