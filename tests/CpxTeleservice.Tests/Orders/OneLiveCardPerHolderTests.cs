using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Orders;

/// <summary>One live card per holder and kind in a structure: a second one is renewed or replaced, never ordered anew.</summary>
public class OneLiveCardPerHolderTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_CDE_is_not_ordered_for_a_legal_representative_who_holds_an_active_one_until_it_is_in_opposition()
    {
        var structure = await _world.StructureAsync();
        var (_, mandataire) = await _world.MandataireAsync(structure);
        var held = await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, new { cardType = "CDE" }),
            HttpStatusCode.Conflict, ProblemTypes.CardAlreadyHeld);
        Assert.Contains("/renewal", held.GetProperty("detail").GetString());

        var cdeId = await ParcCardIdAsync(structure.LegalRepresentativeClient, structure.StructureId, "CDE");
        await HttpAssert.JsonAsync(await OpposeAsync(structure.LegalRepresentativeClient, cdeId, "lost"));

        var order = await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structure.StructureId, new { cardType = "CDE" }), HttpStatusCode.Created);
        Assert.Equal(structure.LegalRepresentative.IdNat, order.GetProperty("holder").GetProperty("idNat").GetString());
    }

    [Fact]
    public async Task A_CPE_is_not_ordered_for_a_holder_with_an_order_of_that_kind_under_way_until_it_is_cancelled()
    {
        var structure = await _world.StructureAsync();
        var body = new { cardType = "CPE", holder = new { idNat = $"3{structure.Finess}/DUPLIQUE", nom = "AGENT", prenom = "UNIQUE" } };
        var first = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, body), HttpStatusCode.Created);
        var firstId = first.GetProperty("id").GetGuid();

        var held = await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, body),
            HttpStatusCode.Conflict, ProblemTypes.CardAlreadyHeld);
        Assert.Contains(firstId.ToString(), held.GetProperty("detail").GetString());

        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsync($"/api/v1/orders/{firstId}/cancellation", null));
        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, body), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_CPS_is_not_ordered_for_a_holder_with_one_under_way_in_the_structure_but_is_in_another_structure()
    {
        var structure = await _world.StructureAsync();
        var other = await _world.StructureAsync();
        var adeli = "75" + System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 10_000_000).ToString("D7");

        await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", "S", adeli)),
            HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", "S", adeli)),
            HttpStatusCode.Conflict, ProblemTypes.CardAlreadyHeld);
        await HttpAssert.JsonAsync(await World.OrderAsync(other.LegalRepresentativeClient, other.StructureId, World.CpsOrder("60", "S", adeli)),
            HttpStatusCode.Created);
    }

    [Fact]
    public async Task Concurrent_orders_for_one_new_holder_place_exactly_one()
    {
        var structure = await _world.StructureAsync();
        var body = new { cardType = "CPE", holder = new { idNat = $"3{structure.Finess}/CONCURRENT", nom = "AGENT", prenom = "PRESSE" } };
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, body)));
        var statuses = responses.Select(r => r.StatusCode).ToList();
        Assert.Single(statuses, s => s == HttpStatusCode.Created);
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.Conflict, s));
    }

    private static async Task<Guid> ParcCardIdAsync(HttpClient client, Guid structureId, string cardType)
    {
        var page = await HttpAssert.JsonAsync(await client.GetAsync($"/api/v1/structures/{structureId}/cards?type={cardType}"));
        return page.GetProperty("items")[0].GetProperty("id").GetGuid();
    }

    private static Task<HttpResponseMessage> OpposeAsync(HttpClient client, Guid cardId, string reason)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason }) };
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        return client.SendAsync(request);
    }
}
