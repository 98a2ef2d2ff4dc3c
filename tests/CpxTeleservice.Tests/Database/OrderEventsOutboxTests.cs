using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Database;

/// <summary>
/// Every order event of a structure's order writes its outbox row in the transaction of the change, whoever
/// writes it (migration 008); the trigger runs once per statement over the statement's new rows (migration 015).
/// </summary>
public class OrderEventsOutboxTests
{
    [Fact]
    public async Task One_statement_of_events_writes_one_outbox_row_per_structure_orders_event_in_insertion_order_and_none_for_the_intakes_orders()
    {
        await using var db = await TestDatabase.CreateMigratedAsync();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO persons (id, id_nat, nom, prenom, health_professional) VALUES
                ('00000000-0000-4000-8000-0000000000a1', '3999999998/RL', 'REPRESENTANT', 'LEGAL', false),
                ('00000000-0000-4000-8000-0000000000a2', '3999999998/AGENT', 'AGENT', 'UN', false),
                ('00000000-0000-4000-8000-0000000000a3', '810000000001', 'MEDECIN', 'DEUX', true);
            INSERT INTO structures (id, finess, id_nat_struct, raison_sociale, legal_representative_id)
            VALUES ('00000000-0000-4000-8000-0000000000b1', '999999998', '1999999998', 'CENTRE OUTBOX', '00000000-0000-4000-8000-0000000000a1');
            INSERT INTO orders (id, structure_id, card_type, holder_id, state) VALUES
                ('00000000-0000-7000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000b1', 'CPE', '00000000-0000-4000-8000-0000000000a2', 'submitted'),
                ('00000000-0000-7000-8000-0000000000c2', NULL, 'CPS', '00000000-0000-4000-8000-0000000000a3', 'submitted');
            """);

        // The intake's shape: one statement, events of both kinds of order interleaved.
        await connection.ExecuteAsync(
            """
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
            SELECT order_id::uuid, event, state, cpx_now(), 'test', detail
            FROM (VALUES ('00000000-0000-7000-8000-0000000000c1', 'placed', 'submitted', NULL),
                         ('00000000-0000-7000-8000-0000000000c2', 'placed', 'submitted', NULL),
                         ('00000000-0000-7000-8000-0000000000c1', 'in-production', 'in-production', 'lot 7'),
                         ('00000000-0000-7000-8000-0000000000c2', 'in-production', 'in-production', NULL),
                         ('00000000-0000-7000-8000-0000000000c1', 'card-shipped', 'card-shipped', NULL)) AS e(order_id, event, state, detail)
            """);

        var rows = (await connection.QueryAsync<(string Type, string Resource, string State, string HolderIdNat, string? Detail, Guid? StructureId)>(
            """
            SELECT type, resource, data->>'state', data->>'holderIdNat', data->>'detail', structure_id
            FROM outbox_events ORDER BY written
            """)).ToList();
        Assert.Equal(["order.placed", "order.in-production", "order.card-shipped"], rows.Select(r => r.Type));
        Assert.All(rows, r => Assert.Equal("order/00000000-0000-7000-8000-0000000000c1", r.Resource));
        Assert.All(rows, r => Assert.Equal("3999999998/AGENT", r.HolderIdNat));
        Assert.All(rows, r => Assert.Equal(Guid.Parse("00000000-0000-4000-8000-0000000000b1"), r.StructureId));
        Assert.Equal(["submitted", "in-production", "card-shipped"], rows.Select(r => r.State));
        Assert.Equal([null, "lot 7", null], rows.Select(r => r.Detail));

        // A statement that inserts no event writes nothing (the trigger runs per statement, even for none).
        await connection.ExecuteAsync("INSERT INTO order_events (order_id, event, state, occurred_at) SELECT id, 'x', 'x', cpx_now() FROM orders WHERE false");
        Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox_events"));
    }
}
