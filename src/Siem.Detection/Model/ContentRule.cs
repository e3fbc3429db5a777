using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Detection.Model;

/// <summary>
/// A rule beside the model, over the KDD content features (what happened inside a session). It applies only
/// when the model calls a record normal, and then puts it in the rule's category; the verdict says it came
/// from the rule. In the training file the two rules hit 52 guess_passwd and 1 rootkit for 10 normal records
/// (failed logins), and 32 u2r/r2l attacks for 17 normal records (a root shell without su): under the KDD cost
/// matrix (a missed r2l costs 4, a missed u2r 3, a false alarm 2) both pay for their false alarms.
/// </summary>
public sealed record ContentRule(string Name, KddCategory Category, string Description)
{
    public static ContentRule FailedLogins { get; } = new("failed-logins", KddCategory.R2L,
        "Failed login attempts in the session: password guessing (r2l).");

    public static ContentRule RootShellWithoutSu { get; } = new("root-shell-without-su", KddCategory.U2R,
        "A root shell obtained without su: privilege escalation (u2r).");

    public static IReadOnlyList<ContentRule> All { get; } = [FailedLogins, RootShellWithoutSu];

    /// <summary>The first rule the record meets, or null.</summary>
    public static ContentRule? Match(ConnectionRecord record) =>
        record.NumFailedLogins > 0 ? FailedLogins
        : record.RootShell > 0 && record.SuAttempted == 0 ? RootShellWithoutSu
        : null;

    public static ContentRule? Find(string? name) => All.FirstOrDefault(r => r.Name == name);
}
