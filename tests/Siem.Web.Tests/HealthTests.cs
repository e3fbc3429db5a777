using System.Net;

namespace Siem.Web.Tests;

/// <summary>Liveness and readiness for load balancers and orchestrators: anonymous, plain answers.</summary>
public sealed class HealthTests(SiemAppFactory app) : IClassFixture<SiemAppFactory>
{
    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_endpoints_answer_anonymously(string path)
    {
        var anonymous = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
