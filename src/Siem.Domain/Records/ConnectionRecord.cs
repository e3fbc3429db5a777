using System.Net;

namespace Siem.Domain.Records;

/// <summary>
/// One connection described by the 41 KDD Cup 99 features (documented order), plus optional
/// metadata (time, endpoints) and, for labelled data, its label.
/// </summary>
public sealed record ConnectionRecord
{
    public double Duration { get; init; }
    public required string ProtocolType { get; init; }
    public required string Service { get; init; }
    public required string Flag { get; init; }
    public long SrcBytes { get; init; }
    public long DstBytes { get; init; }
    public bool Land { get; init; }
    public int WrongFragment { get; init; }
    public int Urgent { get; init; }
    public int Hot { get; init; }
    public int NumFailedLogins { get; init; }
    public bool LoggedIn { get; init; }
    public int NumCompromised { get; init; }
    public int RootShell { get; init; }
    public int SuAttempted { get; init; }
    public int NumRoot { get; init; }
    public int NumFileCreations { get; init; }
    public int NumShells { get; init; }
    public int NumAccessFiles { get; init; }
    public int NumOutboundCmds { get; init; }
    public bool IsHostLogin { get; init; }
    public bool IsGuestLogin { get; init; }
    public int Count { get; init; }
    public int SrvCount { get; init; }
    public double SerrorRate { get; init; }
    public double SrvSerrorRate { get; init; }
    public double RerrorRate { get; init; }
    public double SrvRerrorRate { get; init; }
    public double SameSrvRate { get; init; }
    public double DiffSrvRate { get; init; }
    public double SrvDiffHostRate { get; init; }
    public int DstHostCount { get; init; }
    public int DstHostSrvCount { get; init; }
    public double DstHostSameSrvRate { get; init; }
    public double DstHostDiffSrvRate { get; init; }
    public double DstHostSameSrcPortRate { get; init; }
    public double DstHostSrvDiffHostRate { get; init; }
    public double DstHostSerrorRate { get; init; }
    public double DstHostSrvSerrorRate { get; init; }
    public double DstHostRerrorRate { get; init; }
    public double DstHostSrvRerrorRate { get; init; }

    /// <summary>Connection start time, when the source carried one.</summary>
    public DateTimeOffset? Timestamp { get; init; }
    public IPAddress? SrcIp { get; init; }
    public IPAddress? DstIp { get; init; }
    public int? SrcPort { get; init; }
    public int? DstPort { get; init; }

    /// <summary>The sensor's own id of the connection (Zeek's <c>uid</c>), when it had one.</summary>
    public string? Uid { get; init; }

    /// <summary>The Community ID flow hash (<c>1:...</c>), which joins the same flow across tools.</summary>
    public string? CommunityId { get; init; }

    /// <summary>Ground-truth label (lower case, no trailing dot) when the source was labelled.</summary>
    public string? Label { get; init; }

    /// <summary>Builds a record from the three names and the 38 numeric features in documented order.</summary>
    public static ConnectionRecord FromFeatures(string protocolType, string service, string flag, ReadOnlySpan<double> numeric)
    {
        if (numeric.Length != KddFeatures.NumericCount)
        {
            throw new ArgumentException($"Expected {KddFeatures.NumericCount} numeric features, got {numeric.Length}.", nameof(numeric));
        }

        return new ConnectionRecord
        {
            Duration = numeric[0],
            ProtocolType = protocolType,
            Service = service,
            Flag = flag,
            SrcBytes = (long)numeric[1],
            DstBytes = (long)numeric[2],
            Land = numeric[3] != 0,
            WrongFragment = ToInt(numeric[4]),
            Urgent = ToInt(numeric[5]),
            Hot = ToInt(numeric[6]),
            NumFailedLogins = ToInt(numeric[7]),
            LoggedIn = numeric[8] != 0,
            NumCompromised = ToInt(numeric[9]),
            RootShell = ToInt(numeric[10]),
            SuAttempted = ToInt(numeric[11]),
            NumRoot = ToInt(numeric[12]),
            NumFileCreations = ToInt(numeric[13]),
            NumShells = ToInt(numeric[14]),
            NumAccessFiles = ToInt(numeric[15]),
            NumOutboundCmds = ToInt(numeric[16]),
            IsHostLogin = numeric[17] != 0,
            IsGuestLogin = numeric[18] != 0,
            Count = ToInt(numeric[19]),
            SrvCount = ToInt(numeric[20]),
            SerrorRate = numeric[21],
            SrvSerrorRate = numeric[22],
            RerrorRate = numeric[23],
            SrvRerrorRate = numeric[24],
            SameSrvRate = numeric[25],
            DiffSrvRate = numeric[26],
            SrvDiffHostRate = numeric[27],
            DstHostCount = ToInt(numeric[28]),
            DstHostSrvCount = ToInt(numeric[29]),
            DstHostSameSrvRate = numeric[30],
            DstHostDiffSrvRate = numeric[31],
            DstHostSameSrcPortRate = numeric[32],
            DstHostSrvDiffHostRate = numeric[33],
            DstHostSerrorRate = numeric[34],
            DstHostSrvSerrorRate = numeric[35],
            DstHostRerrorRate = numeric[36],
            DstHostSrvRerrorRate = numeric[37],
        };
    }

    /// <summary>The 41 feature values as text, in documented order (numbers in invariant culture), as a KDD CSV line holds them.</summary>
    public string[] FeatureTexts()
    {
        Span<double> numeric = stackalloc double[KddFeatures.NumericCount];
        CopyNumericFeaturesTo(numeric);
        var texts = new string[KddFeatures.Count];
        var n = 0;
        foreach (var feature in KddFeatures.All)
        {
            texts[feature.Index] = feature.Index switch
            {
                KddFeatures.ProtocolTypeIndex => ProtocolType,
                KddFeatures.ServiceIndex => Service,
                KddFeatures.FlagIndex => Flag,
                _ => numeric[n++].ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        return texts;
    }

    // Saturates rather than wrapping: a count beyond int range is still "very many".
    private static int ToInt(double value) => value >= int.MaxValue ? int.MaxValue : (int)value;

    /// <summary>Writes the 38 numeric features in documented order (the inverse of <see cref="FromFeatures"/>).</summary>
    public void CopyNumericFeaturesTo(Span<double> destination)
    {
        if (destination.Length < KddFeatures.NumericCount)
        {
            throw new ArgumentException($"Need room for {KddFeatures.NumericCount} values.", nameof(destination));
        }

        destination[0] = Duration;
        destination[1] = SrcBytes;
        destination[2] = DstBytes;
        destination[3] = Land ? 1 : 0;
        destination[4] = WrongFragment;
        destination[5] = Urgent;
        destination[6] = Hot;
        destination[7] = NumFailedLogins;
        destination[8] = LoggedIn ? 1 : 0;
        destination[9] = NumCompromised;
        destination[10] = RootShell;
        destination[11] = SuAttempted;
        destination[12] = NumRoot;
        destination[13] = NumFileCreations;
        destination[14] = NumShells;
        destination[15] = NumAccessFiles;
        destination[16] = NumOutboundCmds;
        destination[17] = IsHostLogin ? 1 : 0;
        destination[18] = IsGuestLogin ? 1 : 0;
        destination[19] = Count;
        destination[20] = SrvCount;
        destination[21] = SerrorRate;
        destination[22] = SrvSerrorRate;
        destination[23] = RerrorRate;
        destination[24] = SrvRerrorRate;
        destination[25] = SameSrvRate;
        destination[26] = DiffSrvRate;
        destination[27] = SrvDiffHostRate;
        destination[28] = DstHostCount;
        destination[29] = DstHostSrvCount;
        destination[30] = DstHostSameSrvRate;
        destination[31] = DstHostDiffSrvRate;
        destination[32] = DstHostSameSrcPortRate;
        destination[33] = DstHostSrvDiffHostRate;
        destination[34] = DstHostSerrorRate;
        destination[35] = DstHostSrvSerrorRate;
        destination[36] = DstHostRerrorRate;
        destination[37] = DstHostSrvRerrorRate;
    }
}
