using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CpxTeleservice.Tests.Database;

/// <summary>Hand-written migrations: applied in order, once, recorded with a checksum, never edited.</summary>
public class MigrationTests
{
    private static string Shipped => Path.Combine(AppContext.BaseDirectory, "migrations");

    private static MigrationRunner Runner(TestDatabase db) => new(db.DataSource, NullLogger<MigrationRunner>.Instance);

    private static string CopyOfShipped()
    {
        var folder = Directory.CreateTempSubdirectory("cpx-migrations-").FullName;
        foreach (var file in Directory.EnumerateFiles(Shipped, "*.sql"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    [Fact]
    public async Task Migrations_apply_in_order_once_and_are_recorded_with_their_checksum()
    {
        await using var db = await TestDatabase.CreateAsync();
        var files = MigrationFile.LoadFolder(Shipped);
        Assert.NotEmpty(files);
        Assert.Equal(files.Count, await Runner(db).ApplyAsync(files, CancellationToken.None));
        Assert.Equal(0, await Runner(db).ApplyAsync(files, CancellationToken.None));

        await using var connection = await db.DataSource.OpenConnectionAsync();
        var recorded = (await connection.QueryAsync<(int Version, string Checksum)>("SELECT version, checksum FROM schema_migrations ORDER BY version")).ToList();
        Assert.Equal(files.Select(f => (f.Version, f.Checksum)), recorded);
    }

    [Fact]
    public async Task Concurrent_starts_apply_each_migration_exactly_once()
    {
        await using var db = await TestDatabase.CreateAsync();
        var files = MigrationFile.LoadFolder(Shipped);
        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Runner(db).ApplyAsync(files, CancellationToken.None))));
        Assert.Equal(files.Count, counts.Sum());
    }

    [Fact]
    public async Task Editing_a_landed_migration_makes_start_up_refuse()
    {
        await using var db = await TestDatabase.CreateAsync();
        var folder = CopyOfShipped();
        await Runner(db).ApplyAsync(MigrationFile.LoadFolder(folder), CancellationToken.None);

        var first = Directory.EnumerateFiles(folder, "001_*.sql").Single();
        await File.AppendAllTextAsync(first, "\n-- an edit after landing\nCREATE TABLE sneaky (id int);\n");

        var runner = await Assert.ThrowsAsync<MigrationException>(() => Runner(db).ApplyAsync(MigrationFile.LoadFolder(folder), CancellationToken.None));
        Assert.Contains("has changed since it was applied", runner.Message);

        // The service itself, started on that database and folder, refuses to start.
        var host = new ServiceHost()
            .With("ConnectionStrings:Postgres", db.ConnectionString)
            .With("Database:MigrationsPath", folder);
        try
        {
            var startup = await Assert.ThrowsAnyAsync<Exception>(host.InitializeAsync);
            Assert.Contains("has changed since it was applied", startup.ToString());
        }
        finally
        {
            await ((IAsyncLifetime)host).DisposeAsync();
        }

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_tables WHERE tablename = 'sneaky'"));
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_build_is_refused()
    {
        await using var db = await TestDatabase.CreateAsync();
        var folder = CopyOfShipped();
        File.WriteAllText(Path.Combine(folder, "999_from_the_future.sql"), "SELECT 1;");
        await Runner(db).ApplyAsync(MigrationFile.LoadFolder(folder), CancellationToken.None);

        var exception = await Assert.ThrowsAsync<MigrationException>(() => Runner(db).ApplyAsync(MigrationFile.LoadFolder(Shipped), CancellationToken.None));
        Assert.Contains("999_from_the_future", exception.Message);
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_behind()
    {
        await using var db = await TestDatabase.CreateAsync();
        var folder = CopyOfShipped();
        File.WriteAllText(Path.Combine(folder, "998_broken.sql"), "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;");
        await Assert.ThrowsAsync<PostgresException>(() => Runner(db).ApplyAsync(MigrationFile.LoadFolder(folder), CancellationToken.None));

        await using var connection = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM schema_migrations WHERE version = 998"));
    }

    [Fact]
    public void A_file_not_named_NNN_name_is_refused()
    {
        var folder = CopyOfShipped();
        File.WriteAllText(Path.Combine(folder, "add_things.sql"), "SELECT 1;");
        Assert.Throws<MigrationException>(() => MigrationFile.LoadFolder(folder));
    }

    [Theory]
    [InlineData("UPDATE audit_events SET outcome = 'rewritten'")]
    [InlineData("DELETE FROM audit_events")]
    [InlineData("TRUNCATE audit_events")]
    public async Task Audit_trail_is_append_only(string statement)
    {
        await using var db = await TestDatabase.CreateAsync();
        await Runner(db).ApplyAsync(MigrationFile.LoadFolder(Shipped), CancellationToken.None);
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("INSERT INTO audit_events (action, outcome) VALUES ('test', 'ok')");
        var exception = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(statement));
        Assert.Contains("append-only", exception.MessageText);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_events WHERE outcome = 'ok'"));
    }
}
