using System.Net;
using Siem.Capture.Flows;

namespace Siem.Capture.Tests.Sensors;

public sealed class CommunityIdTests
{
    // Examples from the Community ID specification (github.com/corelight/community-id-spec).
    [Theory]
    [InlineData("128.232.110.120", "66.35.250.204", 6, 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    [InlineData("192.168.1.52", "8.8.8.8", 17, 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=")]
    public void Matches_the_specification(string source, string destination, int protocol, int sourcePort, int destinationPort, string expected)
    {
        Assert.Equal(expected, CommunityId.Compute(IPAddress.Parse(source), IPAddress.Parse(destination), protocol, sourcePort, destinationPort));
    }

    [Fact]
    public void Both_directions_of_a_flow_get_the_same_id()
    {
        var a = IPAddress.Parse("10.0.0.1");
        var b = IPAddress.Parse("10.0.0.2");
        Assert.Equal(CommunityId.Compute(a, b, 6, 40000, 443), CommunityId.Compute(b, a, 6, 443, 40000));
        Assert.Equal(CommunityId.Compute(a, b, 1, 8, 0), CommunityId.Compute(b, a, 1, 0, 0));
        Assert.NotEqual(CommunityId.Compute(a, b, 6, 40000, 443), CommunityId.Compute(a, b, 17, 40000, 443));
    }
}
