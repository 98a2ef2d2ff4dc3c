using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>
/// The service's database role can do what the service does and nothing more (README, "Database roles"):
/// whoever takes over the service's connection cannot erase or rewrite the audit trail, nor change the schema.
/// </summary>
public class LeastPrivilegeTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private async Task<PostgresException> RefusedAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(host.Database.RuntimeConnectionString);
        await connection.OpenAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));
        return refused;
    }

    [Fact]
    public async Task Runtime_role_cannot_disable_the_audit_trigger()
    {
        var refused = await RefusedAsync("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("must be owner", refused.MessageText);
    }

    [Fact]
    public async Task Runtime_role_cannot_delete_update_or_truncate_the_audit_trail()
    {
        foreach (var sql in new[] { "DELETE FROM audit_events", "UPDATE audit_events SET detail = NULL", "TRUNCATE audit_events" })
        {
            var refused = await RefusedAsync(sql);
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
            Assert.Contains("permission denied for table audit_events", refused.MessageText);
        }
    }

    [Fact]
    public async Task Runtime_role_cannot_alter_or_create_a_table()
    {
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await RefusedAsync("ALTER TABLE cards ADD COLUMN sneaky int")).SqlState);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await RefusedAsync("CREATE TABLE sneaky (id int)")).SqlState);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await RefusedAsync("UPDATE card_types SET label = label")).SqlState);
    }

    [Fact]
    public async Task Runtime_role_appends_to_and_reads_the_audit_trail_and_is_the_role_the_service_uses()
    {
        await using var connection = new NpgsqlConnection(host.Database.RuntimeConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync("INSERT INTO audit_events (action, outcome) VALUES ('test', 'ok')");
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_events WHERE action = 'test'") >= 1);

        // The service's own sessions on its database log in as that role.
        using var client = host.CreateClient(ServiceHost.Operator);
        (await client.GetAsync("/api/v1/me")).EnsureSuccessStatusCode();
        await using var admin = await host.Database.DataSource.OpenConnectionAsync();
        var users = (await admin.QueryAsync<string>(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename IS NOT NULL")).ToList();
        Assert.Contains(TestDatabase.RuntimeRole, users);
        Assert.DoesNotContain("postgres", users);
    }
}
