using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Events;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Departures;

/// <summary>A leaver in one call: cards in opposition (holder-left), live orders cancelled, mandate ended, one audit entry; once per Idempotency-Key.</summary>
public class DepartureTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    private static async Task<HttpResponseMessage> DepartAsync(HttpClient client, Guid structureId, string idNat, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/structures/{structureId}/departures") { Content = JsonContent.Create(new { idNat }) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_departure_opposes_every_card_of_the_holder_cancels_their_live_orders_ends_their_mandate_and_is_audited_once()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        var (leaver, leaverClient) = await _world.MandataireAsync(structure);
        var firstCard = (await HttpAssert.JsonAsync(await leaverClient.GetAsync("/api/v1/me/cards"))).GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid();
        var secondCard = await _world.RegisterCardAsync(leaver with { CardSerial = Registry.NextSerial() }, "CPE", structure.StructureId);
        using (var renewal = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{firstCard}/renewal"))
        {
            renewal.Headers.TryAddWithoutValidation("If-Match", "*");
            await HttpAssert.JsonAsync(await client.SendAsync(renewal));
        }

        var renewalOrder = (await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/orders")))
            .GetProperty("items").EnumerateArray().Single().GetProperty("id").GetGuid();
        // A colleague who stays keeps everything.
        var (stays, staysClient) = await _world.MandataireAsync(structure);

        var key = Guid.NewGuid().ToString();
        var response = await DepartAsync(client, structure.StructureId, leaver.IdNat, key);
        var body = await HttpAssert.JsonAsync(response);
        Assert.Equal([firstCard, secondCard], body.GetProperty("opposedCards").EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).Order());
        Assert.Equal([renewalOrder], body.GetProperty("cancelledOrders").EnumerateArray().Select(o => o.GetGuid()));
        Assert.True(body.GetProperty("mandateEnded").GetBoolean());

        foreach (var card in new[] { firstCard, secondCard })
        {
            var view = await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/cards/{card}"));
            Assert.Equal("opposition", view.GetProperty("state").GetString());
        }

        Assert.Equal("cancelled", (await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/orders/{renewalOrder}"))).GetProperty("state").GetString());
        var mandataires = await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/mandataires"));
        Assert.Equal([stays.IdNat], mandataires.EnumerateArray().Select(m => m.GetProperty("idNat").GetString()));
        await HttpAssert.ProblemAsync(await leaverClient.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);
        await HttpAssert.JsonAsync(await staysClient.GetAsync("/api/v1/me"));

        var audit = (await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/audit")))
            .GetProperty("items").EnumerateArray().Where(a => a.GetProperty("action").GetString() == "RecordDeparture").ToList();
        var entry = Assert.Single(audit);
        Assert.Equal($"holder {leaver.IdNat}", entry.GetProperty("target").GetString());
        var detail = entry.GetProperty("detail").GetString()!;
        Assert.Contains(leaver.CardSerial, detail);
        Assert.Contains(renewalOrder.ToString(), detail);
        Assert.Contains("mandate ended: yes", detail);

        // The structure's software hears of it: the cards opposed for holder-left, the mandate ended.
        var (events, _) = await EventFeed.ReadAllAsync(client, structure.StructureId, limit: 100);
        Assert.Equal(2, events.Count(e => e.GetProperty("type").GetString() == "card.opposed"
            && e.GetProperty("data").GetProperty("reason").GetString() == "holder-left"));
        Assert.Single(events, e => e.GetProperty("type").GetString() == "mandate.ended");

        // The same key replays the same answer and changes nothing more.
        var replay = await DepartAsync(client, structure.StructureId, leaver.IdNat, key);
        Assert.Equal(body.GetRawText(), (await HttpAssert.JsonAsync(replay)).GetRawText());
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single((await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/structures/{structure.StructureId}/audit")))
            .GetProperty("items").EnumerateArray(), a => a.GetProperty("action").GetString() == "RecordDeparture");
    }

    [Fact]
    public async Task A_departure_needs_an_Idempotency_Key_used_for_it_alone_and_a_holder_of_the_structure()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        var (leaver, _) = await _world.MandataireAsync(structure);
        await HttpAssert.ProblemAsync(await DepartAsync(client, structure.StructureId, leaver.IdNat, null), HttpStatusCode.BadRequest, ProblemTypes.IdempotencyKeyMissing);

        var stranger = Registry.NewStaffCard();
        await _world.RegisterCardAsync(stranger, "CPE", null);
        await HttpAssert.ProblemAsync(await DepartAsync(client, structure.StructureId, stranger.IdNat, Guid.NewGuid().ToString()),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.HolderNotInStructure);

        var key = Guid.NewGuid().ToString();
        await HttpAssert.JsonAsync(await DepartAsync(client, structure.StructureId, leaver.IdNat, key));
        await HttpAssert.ProblemAsync(await DepartAsync(client, structure.StructureId, "3" + structure.Finess + "/AUTRE", key),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.IdempotencyKeyReused);

        var other = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await DepartAsync(other.LegalRepresentativeClient, structure.StructureId, leaver.IdNat, Guid.NewGuid().ToString()),
            HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }
}
