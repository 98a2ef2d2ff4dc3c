using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Operations;

/// <summary>
/// Two instances of the service, each with its own Kestrel port, container and pools, on one
/// PostgreSQL database: what docs/operations.md describes behind a TLS pass-through load balancer.
/// </summary>
public sealed class TwoInstances : IAsyncLifetime
{
    public ServiceHost First { get; } = new();

    public ServiceHost Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await First.InitializeAsync();
        Second = new ServiceHost().With("ConnectionStrings:Postgres", First.Database.ConnectionString);
        await Second.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncLifetime)Second).DisposeAsync();
        await ((IAsyncLifetime)First).DisposeAsync();
    }
}
