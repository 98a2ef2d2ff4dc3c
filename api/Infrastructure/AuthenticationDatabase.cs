using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>The database pool of authentication alone, so that exports and intake cannot take the connections it needs.</summary>
public sealed class AuthenticationDatabase(NpgsqlDataSource dataSource)
{
    public NpgsqlDataSource DataSource { get; } = dataSource;
}
