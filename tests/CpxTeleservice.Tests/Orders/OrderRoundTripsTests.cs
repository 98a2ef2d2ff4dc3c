using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Orders;

/// <summary>Order creation in as few round trips to PostgreSQL as its rules allow, counted on the request's own trace (<see cref="CommandSpans"/>).</summary>
public class OrderRoundTripsTests(ServiceHost host) : IClassFixture<ServiceHost>, IDisposable
{
    private readonly World _world = new(host);
    private readonly CommandSpans _spans = new();

    public void Dispose()
    {
        _spans.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The endpoint's commands: authentication reads the registry on a pool of its own.</summary>
    private Task<(HttpResponseMessage Response, List<System.Diagnostics.Activity> Commands)> OrderTracedAsync(HttpClient client, Guid structureId, object body) =>
        _spans.SendTracedAsync(client, HttpMethod.Post, $"/api/v1/structures/{structureId}/orders", request =>
        {
            request.Content = JsonContent.Create(body);
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        }, CommandSpans.ServicePool);

    [Fact]
    public async Task A_new_holders_CPE_is_placed_in_five_round_trips_where_it_took_ten()
    {
        var structure = await _world.StructureAsync();
        var (response, commands) = await OrderTracedAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder("AGENT", "TRACE"));
        await HttpAssert.JsonAsync(response, HttpStatusCode.Created);

        // 1. the caller's role, the Idempotency-Key's claim and the structure (the transaction's BEGIN rides with them);
        // 2. the holder looked up and locked; 3. the new holder registered; 4. the order placed unless the holder
        // already holds one, read back with its history, and its audit line; 5. the response stored for retries.
        // The COMMIT is the transaction's, not a command. Were: rights, claim, structure, holder, upsert, live-card
        // check, order, read-back, store and audit, one round trip each.
        Assert.True(commands.Count == 5, CommandSpans.Texts(commands));
    }

    [Fact]
    public async Task Rule_one_live_card_per_holder_a_refused_order_writes_no_order_no_event_and_no_audit_line()
    {
        var structure = await _world.StructureAsync();
        var body = new { cardType = "CPE", holder = new { idNat = $"3{structure.Finess}/UNEFOIS", nom = "AGENT", prenom = "UNEFOIS" } };
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, body), HttpStatusCode.Created);
        var before = await CountsAsync(structure.StructureId);

        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, body),
            HttpStatusCode.Conflict, ProblemTypes.CardAlreadyHeld);

        Assert.Equal(before, await CountsAsync(structure.StructureId));
    }

    /// <summary>The structure's orders, their events in the outbox, its successful audit lines and the caller's idempotency keys.</summary>
    private async Task<(long Orders, long Events, long Audit, long Keys)> CountsAsync(Guid structureId)
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(long, long, long, long)>(
            """
            SELECT (SELECT count(*) FROM orders WHERE structure_id = @structureId),
                   (SELECT count(*) FROM outbox_events WHERE structure_id = @structureId),
                   (SELECT count(*) FROM audit_events WHERE structure_id = @structureId AND outcome = 'ok'),
                   (SELECT count(*) FROM idempotency_keys k JOIN structures s ON s.id = @structureId JOIN persons p ON p.id = s.legal_representative_id
                    WHERE k.caller_id_nat = p.id_nat)
            """, new { structureId });
    }
}
