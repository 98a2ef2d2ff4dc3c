using System.Text.RegularExpressions;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CpxTeleservice.Tests.Database;

/// <summary>
/// The service's statements are prepared (ServiceConnections), and PostgreSQL may then plan them once,
/// generically, without the parameters' values. A page after a cursor must still start from the cursor
/// in the index in that generic plan: each statement is prepared here under
/// <c>plan_cache_mode = force_generic_plan</c> (PostgreSQL 15 has no <c>EXPLAIN (GENERIC_PLAN)</c>) and its plan read.
/// Sequential scans are disabled so that the empty test tables do not hide what the index can do.
/// </summary>
public partial class GenericPlanTests
{
    [Fact]
    public async Task A_next_page_of_the_parc_starts_from_its_cursor_in_the_index_under_a_generic_plan()
    {
        await using var db = await MigratedDatabaseAsync();
        var plan = await GenericPlanAsync(db, CardReader.ForStructure(Guid.NewGuid()));
        Assert.Matches(KeysetIndexCondition(), plan);
    }

    [Fact]
    public async Task A_next_page_of_a_structures_orders_starts_from_its_cursor_in_the_index_under_a_generic_plan()
    {
        await using var db = await MigratedDatabaseAsync();
        var plan = await GenericPlanAsync(db, OrderReader.ForStructure(Guid.NewGuid()));
        Assert.Matches(KeysetIndexCondition(), plan);
    }

    [Fact]
    public async Task The_single_statement_form_with_an_optional_cursor_loses_the_index_condition_under_a_generic_plan()
    {
        // Why the first and next pages are two statements: the form they replaced, read the same way.
        await using var db = await MigratedDatabaseAsync();
        var optional = CardReader.ForStructure(null).Replace("ORDER BY id", "AND (@after::uuid IS NULL OR id > @after) ORDER BY id", StringComparison.Ordinal);
        var plan = await GenericPlanAsync(db, optional);
        Assert.DoesNotMatch(KeysetIndexCondition(), plan);
        Assert.Contains("IS NULL", plan, StringComparison.Ordinal);
    }

    /// <summary>The statement prepared with its named parameters numbered, then its forced generic plan explained.</summary>
    private static async Task<string> GenericPlanAsync(TestDatabase db, string sql)
    {
        var names = new List<string>();
        var numbered = Parameter().Replace(sql, match =>
        {
            var name = match.Groups[1].Value;
            if (!names.Contains(name))
            {
                names.Add(name);
            }

            return "$" + (names.IndexOf(name) + 1);
        });
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off");
        await connection.ExecuteAsync($"PREPARE page AS {numbered}");
        var lines = await connection.QueryAsync<string>($"EXPLAIN EXECUTE page({string.Join(", ", names.Select(_ => "NULL"))})");
        return string.Join('\n', lines);
    }

    /// <summary>An index scan whose condition holds the keyset bound on the id.</summary>
    [GeneratedRegex(@"Index Cond: .*\bid > \$\d+")]
    private static partial Regex KeysetIndexCondition();

    [GeneratedRegex(@"@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();

    private static async Task<TestDatabase> MigratedDatabaseAsync()
    {
        var db = await TestDatabase.CreateAsync();
        await new MigrationRunner(db.DataSource, NullLogger<MigrationRunner>.Instance)
            .ApplyAsync(MigrationFile.LoadFolder(Path.Combine(AppContext.BaseDirectory, "migrations")), CancellationToken.None);
        return db;
    }
}
