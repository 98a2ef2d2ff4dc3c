using CpxTeleservice.Infrastructure;
using Npgsql;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>The service's pools prepare their statements and skip the reset on return, unless the connection string says otherwise.</summary>
public class ServiceConnectionsTests
{
    [Fact]
    public void A_pool_of_the_service_prepares_its_statements_and_is_not_reset_on_return()
    {
        var built = new NpgsqlConnectionStringBuilder(ServiceConnections.For("Host=db;Database=cpx", TimeProvider.System));
        Assert.Equal(ServiceConnections.MaxAutoPrepare, built.MaxAutoPrepare);
        Assert.Equal(ServiceConnections.AutoPrepareMinUsages, built.AutoPrepareMinUsages);
        Assert.True(built.NoResetOnClose);
        Assert.Equal("db", built.Host);
    }

    [Fact]
    public void What_the_operators_connection_string_sets_wins()
    {
        var built = new NpgsqlConnectionStringBuilder(
            ServiceConnections.For("Host=db;Database=cpx;MaxAutoPrepare=0;No Reset On Close=false;auto prepare min usages=7", TimeProvider.System));
        Assert.Equal(0, built.MaxAutoPrepare);
        Assert.Equal(7, built.AutoPrepareMinUsages);
        Assert.False(built.NoResetOnClose);
    }
}
