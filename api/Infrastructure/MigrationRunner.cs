using Dapper;
using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// Applies the hand-written migrations: each in its own transaction, recorded with its checksum,
/// under an advisory lock so that instances starting together apply each migration once. A recorded
/// migration whose file has changed, or one this build does not know, stops the start-up: a landed
/// migration is never edited, a new one is appended.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    // Any constant shared by every instance of the service; "CPXM" in ASCII.
    private const long AdvisoryLockKey = 0x4350584D;

    /// <summary>Under the advisory lock: the ledger of migrations made sure of, what it records checked against this build, then the missing ones applied.</summary>
    public async Task<int> ApplyAsync(IReadOnlyList<MigrationFile> migrations, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = AdvisoryLockKey }, cancellationToken: cancellationToken));
        try
        {
            await EnsureLedgerAsync(connection, cancellationToken);
            var applied = (await connection.QueryAsync<(int Version, string Name, string Checksum)>(
                new CommandDefinition("SELECT version, name, checksum FROM schema_migrations ORDER BY version", cancellationToken: cancellationToken)))
                .ToDictionary(r => r.Version);
            CheckApplied(applied, migrations);
            return await ApplyMissingAsync(connection, migrations.Where(m => !applied.ContainsKey(m.Version)), cancellationToken);
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = AdvisoryLockKey });
        }
    }

    /// <summary>
    /// The table schema_migrations, created if missing. Checked before creating: a role without the right to
    /// create (the service's runtime role) may still start on a database whose migrations are all applied.
    /// </summary>
    private static async Task EnsureLedgerAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var recorded = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT to_regclass('schema_migrations') IS NOT NULL", cancellationToken: cancellationToken));
        if (!recorded)
        {
            await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken: cancellationToken));
        }
    }

    /// <summary>Every recorded migration is one of this build's, unchanged since it was applied; otherwise the start-up stops.</summary>
    private static void CheckApplied(Dictionary<int, (int Version, string Name, string Checksum)> applied, IReadOnlyList<MigrationFile> migrations)
    {
        var known = migrations.ToDictionary(m => m.Version);
        foreach (var (version, record) in applied)
        {
            if (!known.TryGetValue(version, out var file))
            {
                throw new MigrationException(
                    $"The database has migration {version:000}_{record.Name} applied, which this build does not have: it was made by a newer version of the service.");
            }

            if (!string.Equals(file.Checksum, record.Checksum, StringComparison.Ordinal))
            {
                throw new MigrationException(
                    $"Migration {version:000}_{record.Name}.sql has changed since it was applied (checksum {record.Checksum[..12]}… recorded, {file.Checksum[..12]}… on disk). " +
                    "Landed migrations are never edited: restore the file and add a new migration for the change.");
            }
        }
    }

    /// <summary>Each missing migration in its own transaction, recorded with its checksum; how many were applied.</summary>
    private async Task<int> ApplyMissingAsync(NpgsqlConnection connection, IEnumerable<MigrationFile> missing, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var migration in missing)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken, commandTimeout: 0));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (@Version, @Name, @Checksum)",
                migration, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            LogApplied(logger, migration.Version, migration.Name);
            count++;
        }

        return count;
    }

    [LoggerMessage(EventId = 1, EventName = "MigrationApplied", Level = LogLevel.Information, Message = "Applied migration {Version:000}_{Name}")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}
