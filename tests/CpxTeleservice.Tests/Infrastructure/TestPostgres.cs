using System.Collections.Concurrent;
using Npgsql;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>
/// A database of its own on the throwaway PostgreSQL that `./dev test` starts (CPX_TEST_POSTGRES), or on
/// a cluster a test started for itself. No test runs without a real PostgreSQL: the variable missing is
/// a failure, not a skip.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    /// <summary>The schema's owner, which applies the migrations (README, "Database roles").</summary>
    public const string OwnerRole = "cpx_owner";

    /// <summary>The service's login role, a member of cpx_runtime (db/migrations/005_runtime_role.sql).</summary>
    public const string RuntimeRole = "cpx_app";

    /// <summary>The roles, created once per cluster (by its superuser's connection string): roles are cluster-wide.</summary>
    private static readonly ConcurrentDictionary<string, Lazy<Task>> Roles = new();

    private readonly string _admin;

    private TestDatabase(string name, string connectionString, string admin)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        OwnerConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Username = OwnerRole }.ConnectionString;
        RuntimeConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Username = RuntimeRole }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The cluster's superuser on this database: what tests arrange and inspect with.</summary>
    public string ConnectionString { get; }

    public string OwnerConnectionString { get; }
    public string RuntimeConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("CPX_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException("CPX_TEST_POSTGRES is not set: run the tests with ./dev test, which starts a PostgreSQL for them.");

    public static Task<TestDatabase> CreateAsync() => CreateAsync(AdminConnectionString);

    /// <summary>A new database with every migration of this build applied (tests of SQL without a host).</summary>
    public static async Task<TestDatabase> CreateMigratedAsync()
    {
        var db = await CreateAsync();
        await new CpxTeleservice.Infrastructure.MigrationRunner(db.DataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<CpxTeleservice.Infrastructure.MigrationRunner>.Instance)
            .ApplyAsync(CpxTeleservice.Infrastructure.MigrationFile.LoadFolder(Path.Combine(AppContext.BaseDirectory, "migrations")), CancellationToken.None);
        return db;
    }

    /// <summary>A new database on the cluster whose superuser <paramref name="adminConnectionString"/> logs in as.</summary>
    public static async Task<TestDatabase> CreateAsync(string adminConnectionString)
    {
        var name = "cpx_t_" + Guid.NewGuid().ToString("N")[..16];
        await Roles.GetOrAdd(adminConnectionString, cluster => new Lazy<Task>(() => CreateRolesAsync(cluster))).Value;
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name} OWNER {OwnerRole}", admin);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString, adminConnectionString);
    }

    /// <summary>The roles ./dev creates, once per cluster: the cluster is the run's own (or a test's), and roles are cluster-wide.</summary>
    private static async Task CreateRolesAsync(string adminConnectionString)
    {
        await using var admin = new NpgsqlConnection(adminConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(
            $$"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cpx_runtime') THEN CREATE ROLE cpx_runtime NOLOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{OwnerRole}}') THEN CREATE ROLE {{OwnerRole}} LOGIN; END IF;
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{RuntimeRole}}') THEN CREATE ROLE {{RuntimeRole}} LOGIN IN ROLE cpx_runtime; END IF;
            END
            $$
            """, admin);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(_admin);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await command.ExecuteNonQueryAsync();
    }
}
