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
        for (var i = 0; i < 10; i++)
        {
            var page = await CardReader.PageAsync(connection, null, structureId, "3999999999/RL", new CardFilter("CPE", null, null, null), null, 51, CancellationToken.None);
            Assert.Equal(51, page.Count);
        }

        var plans = await connection.QuerySingleAsync<(long Generic, long Custom)>(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM card_rows%caller_structures%'");
        Assert.True(plans.Generic > 0, $"generic plans {plans.Generic}, custom plans {plans.Custom}");
    }

    /// <summary>The statement prepared with its named parameters numbered, then its forced generic plan explained.</summary>
    [Fact]
    public async Task The_intake_ledger_on_a_new_database_looks_each_record_up_by_its_full_key()
    {
        // A new database, never analysed, as an Ordre's first bulk load meets it: each record is one lookup on
        // the primary key of each ledger table, whatever the tables' statistics.
        await using var db = await TestDatabase.CreateMigratedAsync();
        var plan = await GenericPlanAsync(db, CpxTeleservice.Intake.IntakeLedger.LedgerRead);
        Assert.Matches(@"intake_records_pkey on intake_records[^\n]*\n\s*Index Cond: \(\(source = \$\d+\) AND \(stream = \$\d+\) AND \(record_id = w\.record_id\)\)", plan);
        Assert.Matches(@"intake_applied_versions_pkey on intake_applied_versions[^\n]*\n\s*Index Cond: \([^\n]*\(record_id = w\.record_id\) AND \(version = w\.version\)\)", plan);
    }

    [Fact]
    public async Task The_intake_ledger_written_as_a_join_reads_every_record_of_the_source_on_a_new_database()
    {
        // Why the ledger read is written with lateral lookups: the join it replaced, planned on the same new
        // database, reads the source's and stream's every row (the index bounds only those two) and matches
        // the batch's records afterwards: fine on empty tables, a scan of the whole ledger per batch once loaded.
        await using var db = await TestDatabase.CreateMigratedAsync();
        var plan = await GenericPlanAsync(db,
            """
            SELECT w.record_id, r.version AS latest, a.version IS NOT NULL AS applied, a.order_id
            FROM unnest(@ids::text[], @versions::bigint[]) AS w(record_id, version)
            LEFT JOIN intake_records r ON r.source = @source AND r.stream = @stream AND r.record_id = w.record_id
            LEFT JOIN intake_applied_versions a ON a.source = @source AND a.stream = @stream AND a.record_id = w.record_id AND a.version = w.version
            """);
        Assert.DoesNotMatch(@"Index Cond: [^\n]*record_id = w\.record_id", plan);
    }

    [Fact]
    public async Task The_orders_of_an_Ordres_inscriptions_look_up_each_holders_live_card_and_order_by_holder_on_a_new_database()
    {
        // Rule: one live card or order per holder and profession. On a new database, never analysed, each
        // holder's live card and live order are one lookup on the holder's index (migration 016 for the card),
        // not a scan of every order, nor of every active card.
        await using var db = await TestDatabase.CreateMigratedAsync();
        var plan = await GenericPlanAsync(db, OrderStore.RegisterOrdersStatement);
        Assert.Matches(@"using cards_live_by_holder_idx[^\n]*\n\s*Index Cond: \(\(holder_id = p\.id\) AND \(profession = u\.profession\)\)", plan);
        Assert.Matches(@"using orders_holder_idx[^\n]*\n\s*Index Cond: \(holder_id = p\.id\)", plan);
    }

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
