using System.Text.RegularExpressions;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
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
        await using var db = await TestDatabase.CreateMigratedAsync();
        var plan = await GenericPlanAsync(db, CardReader.ForStructure(new CardFilter(null, null, null, null), Guid.NewGuid(), 51));
        Assert.Matches(KeysetIndexCondition(), plan);
    }

    [Fact]
    public async Task A_next_page_of_a_structures_orders_starts_from_its_cursor_in_the_index_under_a_generic_plan()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        var plan = await GenericPlanAsync(db, OrderReader.ForStructure(new OrderFilter(null, null), Guid.NewGuid(), 51));
        Assert.Matches(KeysetIndexCondition(), plan);
    }

    [Fact]
    public async Task The_single_statement_form_with_an_optional_cursor_loses_the_index_condition_under_a_generic_plan()
    {
        // Why the first and next pages are two statements: the form they replaced, read the same way.
        await using var db = await TestDatabase.CreateMigratedAsync();
        var optional = CardReader.ForStructure(new CardFilter(null, null, null, null), null, 51).Replace("ORDER BY id", "AND (@after::uuid IS NULL OR id > @after) ORDER BY id", StringComparison.Ordinal);
        var plan = await GenericPlanAsync(db, optional);
        Assert.DoesNotMatch(KeysetIndexCondition(), plan);
        Assert.Contains("IS NULL", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_parc_page_is_planned_once_per_connection_PostgreSQL_keeps_its_generic_plan()
    {
        // A parc of 5,000 cards of mixed types, analysed: the planner's estimates are a real parc's.
        await using var db = await TestDatabase.CreateMigratedAsync();
        var structureId = Guid.NewGuid();
        await using (var setup = await db.DataSource.OpenConnectionAsync())
        {
            await setup.ExecuteAsync(
                """
                INSERT INTO persons (id, id_nat, nom, prenom, health_professional) VALUES ('00000000-0000-4000-8000-0000000000aa', '3999999999/RL', 'REPRESENTANT', 'LEGAL', false);
                INSERT INTO structures (id, finess, id_nat_struct, raison_sociale, secteur_activite, departement, legal_representative_id)
                VALUES (@structureId, '999999999', '1999999999', 'CENTRE PLANS', 'SA01', '75', '00000000-0000-4000-8000-0000000000aa');
                INSERT INTO persons (id, id_nat, nom, prenom, health_professional)
                SELECT md5('p' || i)::uuid, '3999999999/' || i, 'NOM' || i, 'PRENOM', false FROM generate_series(1, 5000) i;
                INSERT INTO cards (id, card_type, serial, holder_id, structure_id, state, valid_from, valid_until)
                SELECT md5('c' || i)::uuid, (ARRAY['CPE', 'CPS', 'CPA'])[1 + i % 3], 'PLAN' || i, md5('p' || i)::uuid, @structureId, 'active', now(), now() + interval '3 years'
                FROM generate_series(1, 5000) i;
                ANALYZE persons; ANALYZE cards; ANALYZE structures; ANALYZE mandataires;
                """, new { structureId });
        }

        // The service's own pool settings, the service's own reader, on one connection.
        await using var service = NpgsqlDataSource.Create(ServiceConnections.For(db.ConnectionString, TimeProvider.System));
        await using var connection = await service.OpenConnectionAsync();
        var reader = new CardReader();
        for (var i = 0; i < 10; i++)
        {
            var page = await reader.ForStructureAsync(connection, structureId, "3999999999/RL", new CardFilter("CPE", null, null, null), null, 51, CancellationToken.None);
            Assert.Equal(51, page.Count);
        }

        var plans = await connection.QuerySingleAsync<(long Generic, long Custom)>(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM card_rows%caller_structures%'");
        Assert.True(plans.Generic > 0, $"generic plans {plans.Generic}, custom plans {plans.Custom}");
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
}
