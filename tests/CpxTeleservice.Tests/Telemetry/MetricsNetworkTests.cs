using System.Net;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Telemetry;

/// <summary>A network listed in <c>Metrics__AllowedNetworks</c> scrapes without a card.</summary>
public class MetricsNetworkTests(LoopbackMetricsHost host) : IClassFixture<LoopbackMetricsHost>
{
    [Fact]
    public async Task A_configured_network_scrapes_metrics_without_a_card()
    {
        using var anonymous = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        using var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE", await response.Content.ReadAsStringAsync());
    }
}
