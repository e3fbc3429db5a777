namespace Siem.Domain.Labels;

/// <summary>The official KDD Cup 99 cost matrix: rows actual, columns predicted (normal, probe, dos, u2r, r2l).</summary>
public static class KddCostMatrix
{
    private static readonly int[,] Costs =
    {
        { 0, 1, 2, 2, 2 },
        { 1, 0, 2, 2, 2 },
        { 2, 1, 0, 2, 2 },
        { 3, 2, 2, 0, 2 },
        { 4, 2, 2, 2, 0 },
    };

    public static int Cost(KddCategory actual, KddCategory predicted) => Costs[(int)actual, (int)predicted];
}
