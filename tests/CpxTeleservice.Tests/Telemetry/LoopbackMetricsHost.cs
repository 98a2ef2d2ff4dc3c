using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Telemetry;

/// <summary>A service whose metrics may be scraped without a card from the loopback network.</summary>
public sealed class LoopbackMetricsHost : ServiceHost
{
    public LoopbackMetricsHost() => With("Metrics:AllowedNetworks:0", "127.0.0.0/8");
}
