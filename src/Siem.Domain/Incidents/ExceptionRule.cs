using System.Net;
using Siem.Domain.Records;

namespace Siem.Domain.Incidents;

/// <summary>
/// An analyst's exception: alerts matching every condition it has (a missing condition matches anything) are
/// still stored, but marked suppressed, and neither open nor grow incidents.
/// </summary>
/// <param name="Label">The verdict ("neptune", or "unknown").</param>
public sealed record ExceptionRule(long Id, string? Label, string? DstHost, string? SrcHost, string? Service, int? DstPort, string? Protocol, DateTime? ExpiresUtc)
{
    public bool HasCondition => Label is not null || DstHost is not null || SrcHost is not null || Service is not null || DstPort is not null || Protocol is not null;

    public bool Matches(string verdict, ConnectionRecord record, DateTime nowUtc) =>
        HasCondition
        && (ExpiresUtc is not { } expires || expires > nowUtc)
        && (Label is null || string.Equals(Label, verdict, StringComparison.OrdinalIgnoreCase))
        && (DstHost is null || Same(DstHost, record.DstIp))
        && (SrcHost is null || Same(SrcHost, record.SrcIp))
        && (Service is null || string.Equals(Service, record.Service, StringComparison.OrdinalIgnoreCase))
        && (DstPort is null || DstPort == record.DstPort)
        && (Protocol is null || string.Equals(Protocol, record.ProtocolType, StringComparison.OrdinalIgnoreCase));

    private static bool Same(string host, IPAddress? address) => address is not null && string.Equals(host, address.ToString(), StringComparison.OrdinalIgnoreCase);

    /// <summary>The first rule that matches, or null.</summary>
    public static ExceptionRule? FirstMatch(IReadOnlyList<ExceptionRule> rules, string verdict, ConnectionRecord record, DateTime nowUtc)
    {
        foreach (var rule in rules)
        {
            if (rule.Matches(verdict, record, nowUtc))
            {
                return rule;
            }
        }

        return null;
    }
}
