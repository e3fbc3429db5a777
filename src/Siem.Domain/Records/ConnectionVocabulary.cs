namespace Siem.Domain.Records;

/// <summary>The closed vocabularies of protocol_type and flag. Services are open: new ones are not errors.</summary>
public static class ConnectionVocabulary
{
    public static IReadOnlyList<string> Protocols { get; } = ["tcp", "udp", "icmp"];

    /// <summary>KDD/Bro connection states: the 11 seen in KDD data plus RSTRH and SHR.</summary>
    public static IReadOnlyList<string> Flags { get; } =
        ["SF", "S0", "S1", "S2", "S3", "REJ", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"];
}
