namespace Siem.Store.Identity;

public static class SiemRoles
{
    public const string Admin = "Admin";
    public const string Analyst = "Analyst";
    public const string Viewer = "Viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Analyst, Viewer];

    public static bool IsRole(string? role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>Authorization policies: Viewers read, Analysts also act on incidents and upload, Admins also manage users and keys.</summary>
public static class SiemPolicies
{
    public const string Read = "read";
    public const string Act = "act";
    public const string Administer = "administer";
}
