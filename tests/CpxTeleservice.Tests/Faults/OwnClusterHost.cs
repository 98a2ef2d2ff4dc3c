using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Faults;

/// <summary>
/// The service on a PostgreSQL cluster of its own (<see cref="PostgresCluster"/>), which a test stops
/// and starts under it, with the test Ordre configured as an intake source.
/// </summary>
public sealed class OwnClusterHost : ServiceHost
{
    public const string OrdreIdNatStruct = "2775672272";
    public const string CertificateName = "INTAKE TEST";

    public OwnClusterHost()
    {
        With("Intake:Sources:0:IdNatStruct", OrdreIdNatStruct);
        With("Intake:Sources:0:Certificates:0", "CN=" + CertificateName);
        With("Intake:Sources:0:Kind", "ordre");
        With("Intake:Sources:0:Name", "Ordre national des infirmiers (test)");
        With("Intake:Sources:0:Professions:0", "60");
        // Small batches: a stream is many commits, and the stop falls between or inside one of them.
        With("Intake:BatchSize", "50");
    }

    public PostgresCluster Cluster { get; private set; } = null!;

    protected override async Task<TestDatabase> CreateDatabaseAsync()
    {
        Cluster = await PostgresCluster.StartAsync();
        try
        {
            return await TestDatabase.CreateAsync(Cluster.AdminConnectionString);
        }
        catch
        {
            await Cluster.DisposeAsync();
            throw;
        }
    }

    protected override async Task OnDisposedAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
