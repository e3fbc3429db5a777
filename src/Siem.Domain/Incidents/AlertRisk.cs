using Siem.Domain.Labels;
using Siem.Domain.Records;

namespace Siem.Domain.Incidents;

/// <summary>
/// How much one alert says that a host is under attack, from what is known about it: the category of the
/// verdict, how sure the model is, whether the record was unlike the training data, and host-level
/// evidence in its content (root shells, failed logins, su, shells, file creations). Stray alerts on
/// ordinary traffic score low; an incident opens only when a host's risk adds up (see <see cref="RiskEngine"/>).
/// Weights were chosen on training data only (the realistic-week harness, README "Incidents").
/// </summary>
public static class AlertRisk
{
    private const double UnknownFloor = 2;
    private const double UnknownDiscount = 0.6;

    /// <summary>Risk of one alert (0 for a confident normal verdict).</summary>
    public static double Score(KddCategory category, bool unknown, float confidence, ConnectionRecord record)
    {
        var evidence = Evidence(record);
        var baseRisk = category switch
        {
            KddCategory.U2R => 50,
            KddCategory.R2L => 40,
            KddCategory.Dos => 8,
            KddCategory.Probe => 6,
            _ => 0,
        };
        var weighted = baseRisk * Math.Clamp(confidence, 0f, 1f);
        if (unknown)
        {
            // Unlike anything in training: the class the model leans to counts, discounted (ordinary new traffic
            // looks like this too; when it leans to normal, the attack class it reports has a tiny probability).
            return UnknownFloor + (weighted * UnknownDiscount) + evidence;
        }

        return baseRisk == 0 && evidence == 0 ? 0 : weighted + evidence;
    }

    /// <summary>Host-level signs of an intrusion in the connection's content features.</summary>
    public static double Evidence(ConnectionRecord record)
    {
        var evidence = 0.0;
        // A root shell alone also shows up in ordinary admin sessions of the training data's normal traffic.
        evidence += record.RootShell > 0 ? 25 : 0;
        evidence += record.SuAttempted > 0 ? 15 : 0;
        evidence += record.NumShells > 0 ? 15 : 0;
        evidence += Math.Min(record.NumFailedLogins, 3) * 8;
        evidence += record.NumFileCreations > 0 ? 5 : 0;
        evidence += record.NumAccessFiles > 0 ? 5 : 0;
        evidence += record.NumCompromised > 0 ? 5 : 0;
        return evidence;
    }
}
