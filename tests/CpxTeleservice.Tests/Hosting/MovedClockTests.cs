using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;

namespace CpxTeleservice.Tests.Hosting;

/// <summary>
/// One clock: a service started with Clock__StartAt on the eve of 14 July 2027 dates everything from that
/// instant, in C# and in SQL alike; its database, read with the real clock, does not move.
/// </summary>
public class MovedClockTests(MovedClockHost host) : IClassFixture<MovedClockHost>
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private readonly World _world = new(host);

    private static DateOnly ParisDay(JsonElement order, string property) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(order.GetProperty(property).GetDateTimeOffset(), Paris).DateTime);

    private static string? Date(JsonElement order, string property) =>
        order.GetProperty(property).ValueKind == JsonValueKind.Null ? null : order.GetProperty(property).GetString();

    [Fact]
    public async Task An_order_placed_on_the_moved_clocks_eve_of_14_July_2027_expects_its_card_on_28_July_and_its_codes_48_working_hours_after_receipt()
    {
        var structure = await _world.StructureAsync();
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()),
            HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();

        // Placed and complete on Tuesday 13 July 2027 by the service's clock; 14 July is skipped.
        Assert.Equal(new DateOnly(2027, 7, 13), ParisDay(order, "createdAt"));
        Assert.Equal(new DateOnly(2027, 7, 13), ParisDay(order, "dossierCompleteAt"));
        Assert.Equal("2027-07-28", Date(order, "expectedCardDate"));
        Assert.Equal("2027-07-29", Date(order, "expectedCodesDate"));

        // The operator's production events, dated by the service's clock: received on the eve at 16:00 and
        // a little after, 8 hours that Tuesday, none on 14 July, 24 on Thursday, the last 16 on Friday.
        await _world.EventAsync(orderId, "in-production");
        var shipped = await _world.EventAsync(orderId, "card-shipped");
        var received = await _world.EventAsync(orderId, "card-received");
        Assert.Equal(new DateOnly(2027, 7, 13), ParisDay(received, "cardReceivedAt"));
        Assert.Equal("2027-07-16", Date(received, "expectedCodesDate"));
        Assert.Equal("2027-07-28", Date(received, "expectedCardDate"));

        // The card issued on shipping starts on that day, and is active by the service's clock.
        var cardId = shipped.GetProperty("cardId").GetGuid();
        var card = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/cards/{cardId}"));
        Assert.Equal("active", card.GetProperty("state").GetString());
        Assert.Equal(new DateOnly(2027, 7, 13), ParisDay(card, "validFrom"));

        // The audit trail and the history are stamped by the same clock.
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var audited = await connection.QueryAsync<DateTime>("SELECT occurred_at FROM audit_events WHERE target = @target", new { target = $"order {orderId}" });
        Assert.NotEmpty(audited);
        Assert.All(audited, at => Assert.Equal(2027, at.Year));
        var history = await connection.QueryAsync<DateTime>("SELECT recorded_at FROM order_events WHERE order_id = @orderId", new { orderId });
        Assert.All(history, at => Assert.Equal(2027, at.Year));
    }

    [Fact]
    public async Task The_ARS_visa_on_the_moved_clock_starts_the_count_of_an_ADELI_CPS_not_the_order_placed_earlier()
    {
        var structure = await _world.StructureAsync();
        var adeli = "75" + RandomNumberGenerator.GetInt32(0, 10_000_000).ToString("D7", CultureInfo.InvariantCulture);
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", "S", adeli)),
            HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();
        Assert.Equal("awaiting-visa", order.GetProperty("state").GetString());
        Assert.Null(Date(order, "expectedCardDate"));

        // The order has awaited the visa since Thursday 1 July 2027 (counted from then, its card would be due on 16 July).
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                """
                UPDATE orders SET created_at = '2027-07-01T10:00:00+02:00', updated_at = '2027-07-01T10:00:00+02:00' WHERE id = @orderId;
                UPDATE order_events SET occurred_at = '2027-07-01T10:00:00+02:00' WHERE order_id = @orderId;
                """, new { orderId });
        }

        // The ARS visa, recorded now by the service's clock (the eve of 14 July): the dossier is complete from it.
        var visa = await _world.EventAsync(orderId, "dossier-complete");
        Assert.Equal("submitted", visa.GetProperty("state").GetString());
        Assert.Equal(new DateOnly(2027, 7, 13), ParisDay(visa, "dossierCompleteAt"));
        Assert.Equal("2027-07-28", Date(visa, "expectedCardDate"));
        Assert.Equal("2027-07-29", Date(visa, "expectedCodesDate"));
    }

    [Fact]
    public async Task A_card_valid_until_a_date_between_the_real_now_and_the_moved_now_reads_expired_through_the_API_and_active_by_the_real_clock()
    {
        var structure = await _world.StructureAsync();
        var holder = Registry.NewStaffCard(structure.Finess, "EXPIRANT");
        var response = await _world.Operator.PostAsJsonAsync("/api/v1/admin/cards", new
        {
            cardType = "CPE",
            serial = holder.CardSerial,
            holder = new { idNat = holder.IdNat, nom = holder.Nom, prenom = holder.Prenom, healthProfessional = false },
            structureId = structure.StructureId,
            validFrom = DateTime.UtcNow.AddDays(-1),
            validUntil = DateTime.UtcNow.AddDays(30),
        });
        var registered = await HttpAssert.JsonAsync(response, HttpStatusCode.Created);
        var cardId = registered.GetProperty("id").GetGuid();

        // The view card_rows compares validUntil with cpx_now(): the service's clock, in SQL.
        Assert.Equal("expired", registered.GetProperty("state").GetString());
        var read = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/cards/{cardId}"));
        Assert.Equal("expired", read.GetProperty("state").GetString());

        // The same row, read on a connection without the service's clock: the real clock, still active.
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        Assert.Equal("active", await connection.ExecuteScalarAsync<string>("SELECT state FROM card_rows WHERE id = @cardId", new { cardId }));
    }
    [Fact]
    public async Task A_mandate_ending_between_the_real_now_and_the_moved_now_no_longer_authorises_on_the_moved_host()
    {
        var structure = await _world.StructureAsync();
        var (mandataire, client) = await _world.MandataireAsync(structure);

        // Designated yesterday and ending tomorrow, by the real clock: long ended by the service's.
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                """
                UPDATE mandataires SET designated_at = now() - interval '1 day', ends_at = now() + interval '1 day'
                WHERE structure_id = @structureId AND person_id = (SELECT id FROM persons WHERE id_nat = @idNat)
                """, new { structureId = structure.StructureId, idNat = mandataire.IdNat });
        }

        // active_mandataires compares ends_at with cpx_now(): the mandataire is no longer one.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/v1/structures/{structure.StructureId}/mandataires")).StatusCode);
        var listed = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/mandataires"));
        Assert.DoesNotContain(listed.EnumerateArray(), m => m.GetProperty("idNat").GetString() == mandataire.IdNat);
    }
}
