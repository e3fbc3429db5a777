namespace Siem.Domain.Labels;

/// <summary>
/// The KDD Cup 99 label vocabulary: the 23 classes of the training data, the 17 attack types that only
/// appear in the KDD test data, their categories, and a MITRE ATT&amp;CK technique for each attack.
/// </summary>
public static class KddLabels
{
    public const string Normal = "normal";

    private static readonly MitreTechnique EndpointDos = new("T1499", "Endpoint Denial of Service");
    private static readonly MitreTechnique OsExhaustion = new("T1499.001", "Endpoint Denial of Service: OS Exhaustion Flood");
    private static readonly MitreTechnique ServiceExhaustion = new("T1499.002", "Endpoint Denial of Service: Service Exhaustion Flood");
    private static readonly MitreTechnique ApplicationExhaustion = new("T1499.003", "Endpoint Denial of Service: Application Exhaustion Flood");
    private static readonly MitreTechnique ReflectionAmplification = new("T1498.002", "Network Denial of Service: Reflection Amplification");
    private static readonly MitreTechnique DirectNetworkFlood = new("T1498.001", "Network Denial of Service: Direct Network Flood");
    private static readonly MitreTechnique NetworkServiceDiscovery = new("T1046", "Network Service Discovery");
    private static readonly MitreTechnique RemoteSystemDiscovery = new("T1018", "Remote System Discovery");
    private static readonly MitreTechnique VulnerabilityScanning = new("T1595.002", "Active Scanning: Vulnerability Scanning");
    private static readonly MitreTechnique BruteForce = new("T1110", "Brute Force");
    private static readonly MitreTechnique ExploitPublicFacing = new("T1190", "Exploit Public-Facing Application");
    private static readonly MitreTechnique IngressToolTransfer = new("T1105", "Ingress Tool Transfer");
    private static readonly MitreTechnique RemoteServices = new("T1021", "Remote Services");
    private static readonly MitreTechnique DataFromLocalSystem = new("T1005", "Data from Local System");
    private static readonly MitreTechnique SnmpMibDump = new("T1602.001", "Data from Configuration Repository: SNMP (MIB Dump)");
    private static readonly MitreTechnique ExploitRemoteServices = new("T1210", "Exploitation of Remote Services");
    private static readonly MitreTechnique InputCapture = new("T1056", "Input Capture");
    private static readonly MitreTechnique PrivilegeEscalation = new("T1068", "Exploitation for Privilege Escalation");
    private static readonly MitreTechnique Rootkit = new("T1014", "Rootkit");
    private static readonly MitreTechnique ProtocolTunneling = new("T1572", "Protocol Tunneling");

    private static readonly AttackLabel[] TrainingLabels =
    [
        new(Normal, KddCategory.Normal, null, true),
        new("back", KddCategory.Dos, ApplicationExhaustion, true),
        new("buffer_overflow", KddCategory.U2R, PrivilegeEscalation, true),
        new("ftp_write", KddCategory.R2L, IngressToolTransfer, true),
        new("guess_passwd", KddCategory.R2L, BruteForce, true),
        new("imap", KddCategory.R2L, ExploitPublicFacing, true),
        new("ipsweep", KddCategory.Probe, RemoteSystemDiscovery, true),
        new("land", KddCategory.Dos, OsExhaustion, true),
        new("loadmodule", KddCategory.U2R, PrivilegeEscalation, true),
        new("multihop", KddCategory.R2L, RemoteServices, true),
        new("neptune", KddCategory.Dos, EndpointDos, true),
        new("nmap", KddCategory.Probe, NetworkServiceDiscovery, true),
        new("perl", KddCategory.U2R, PrivilegeEscalation, true),
        new("phf", KddCategory.R2L, ExploitPublicFacing, true),
        new("pod", KddCategory.Dos, OsExhaustion, true),
        new("portsweep", KddCategory.Probe, NetworkServiceDiscovery, true),
        new("rootkit", KddCategory.U2R, Rootkit, true),
        new("satan", KddCategory.Probe, VulnerabilityScanning, true),
        new("smurf", KddCategory.Dos, ReflectionAmplification, true),
        new("spy", KddCategory.R2L, DataFromLocalSystem, true),
        new("teardrop", KddCategory.Dos, OsExhaustion, true),
        new("warezclient", KddCategory.R2L, IngressToolTransfer, true),
        new("warezmaster", KddCategory.R2L, IngressToolTransfer, true),
    ];

    private static readonly AttackLabel[] TestOnlyLabels =
    [
        new("apache2", KddCategory.Dos, ApplicationExhaustion, false),
        new("mailbomb", KddCategory.Dos, ServiceExhaustion, false),
        new("processtable", KddCategory.Dos, OsExhaustion, false),
        new("udpstorm", KddCategory.Dos, DirectNetworkFlood, false),
        new("mscan", KddCategory.Probe, VulnerabilityScanning, false),
        new("saint", KddCategory.Probe, VulnerabilityScanning, false),
        new("httptunnel", KddCategory.U2R, ProtocolTunneling, false),
        new("ps", KddCategory.U2R, PrivilegeEscalation, false),
        new("sqlattack", KddCategory.U2R, PrivilegeEscalation, false),
        new("xterm", KddCategory.U2R, PrivilegeEscalation, false),
        new("named", KddCategory.R2L, ExploitPublicFacing, false),
        new("sendmail", KddCategory.R2L, ExploitPublicFacing, false),
        new("snmpgetattack", KddCategory.R2L, SnmpMibDump, false),
        new("snmpguess", KddCategory.R2L, BruteForce, false),
        new("worm", KddCategory.R2L, ExploitRemoteServices, false),
        new("xlock", KddCategory.R2L, InputCapture, false),
        new("xsnoop", KddCategory.R2L, InputCapture, false),
    ];

    private static readonly Dictionary<string, AttackLabel> ByName =
        TrainingLabels.Concat(TestOnlyLabels).ToDictionary(l => l.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The 23 classes of the KDD training data (normal first, then attacks alphabetically).</summary>
    public static IReadOnlyList<AttackLabel> TrainingClasses => TrainingLabels;

    /// <summary>The 17 attack types that appear only in the KDD test data.</summary>
    public static IReadOnlyList<AttackLabel> TestOnlyAttacks => TestOnlyLabels;

    public static IReadOnlyList<AttackLabel> All { get; } = [.. TrainingLabels, .. TestOnlyLabels];

    /// <summary>Finds a label by name; accepts the trailing dot of the raw KDD files.</summary>
    public static AttackLabel? Find(string? name)
    {
        var normalized = Normalize(name);
        return normalized is null ? null : ByName.GetValueOrDefault(normalized);
    }

    /// <summary>Lower-cases and strips surrounding space and the trailing dot ("smurf." -> "smurf").</summary>
    public static string? Normalize(string? name)
    {
        if (name is null)
        {
            return null;
        }

        var trimmed = name.Trim().TrimEnd('.').Trim();
        return trimmed.Length == 0 ? null : trimmed.ToLowerInvariant();
    }

    public static KddCategory? CategoryOf(string? name) => Find(name)?.Category;
}
