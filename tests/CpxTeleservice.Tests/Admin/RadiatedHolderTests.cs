using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Admin;

/// <summary>A struck-off professional is issued no card, whatever order was still running.</summary>
public class RadiatedHolderTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Card_shipped_for_a_holder_radiated_from_the_orders_profession_is_a_409_and_issues_no_card()
    {
        var structure = await _world.StructureAsync();
        var adeli = "75" + RandomNumberGenerator.GetInt32(0, 10_000_000).ToString("D7");
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", "S", adeli)),
            HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();
        await _world.EventAsync(orderId, "dossier-complete");
        await _world.EventAsync(orderId, "in-production");

        // The ARS strikes the professional off (as its intake records a radiation) while the card is in production.
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO professionals (person_id, profession, source, radiated_at)
                SELECT id, '60', 'ARS DE TEST', now() FROM persons WHERE id_nat = @idNat
                """, new { idNat = "0" + adeli });
        }

        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{orderId}/events", new { @event = "card-shipped" }),
            HttpStatusCode.Conflict, ProblemTypes.HolderRadiated);
        await using var check = await host.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(0L, await check.ExecuteScalarAsync<long>("SELECT count(*) FROM cards WHERE order_id = @orderId", new { orderId }));
        Assert.Equal("in-production", await check.ExecuteScalarAsync<string>("SELECT state FROM orders WHERE id = @orderId", new { orderId }));
    }

    [Fact]
    public async Task Card_shipped_for_a_professional_who_is_not_radiated_issues_the_card()
    {
        var structure = await _world.StructureAsync();
        var adeli = "75" + RandomNumberGenerator.GetInt32(0, 10_000_000).ToString("D7");
        var orderId = (await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", "S", adeli)),
            HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await _world.EventAsync(orderId, "dossier-complete");
        await _world.EventAsync(orderId, "in-production");
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO professionals (person_id, profession, source) SELECT id, '60', 'ARS DE TEST' FROM persons WHERE id_nat = @idNat", new { idNat = "0" + adeli });
        }

        var shipped = await _world.EventAsync(orderId, "card-shipped");
        Assert.Equal("card-shipped", shipped.GetProperty("state").GetString());
    }
}
