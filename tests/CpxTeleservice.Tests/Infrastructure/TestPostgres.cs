using Npgsql;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>
/// A database of its own on the throwaway PostgreSQL that `./dev test` starts (CPX_TEST_POSTGRES).
/// No test runs without a real PostgreSQL: the variable missing is a failure, not a skip.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("CPX_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("CPX_TEST_POSTGRES is not set: run the tests with ./dev test, which starts a PostgreSQL for them.");

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = "cpx_t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await command.ExecuteNonQueryAsync();
    }
}
