using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Parc;

/// <summary>Who may put which card in opposition, and what a departure ends.</summary>
public class OppositionRightsTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_mandataire_may_not_put_the_legal_representatives_card_in_opposition()
    {
        var structure = await _world.StructureAsync();
        var (_, mandataire) = await _world.MandataireAsync(structure);
        var cde = await CardIdAsync(structure, "CDE");

        await HttpAssert.ProblemAsync(await OpposeAsync(mandataire, cde, "holder-left"), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeCardReserved);
        await HttpAssert.ProblemAsync(await OpposeAsync(mandataire, cde, "stolen"), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeCardReserved);
        // The legal representative is not locked out, and still opposes their own card.
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync("/api/v1/me"));
        await HttpAssert.JsonAsync(await OpposeAsync(structure.LegalRepresentativeClient, cde, "lost"));
    }

    [Fact]
    public async Task Opposition_for_holder_left_ends_the_holders_mandates_in_the_structure_and_another_reason_does_not()
    {
        var structure = await _world.StructureAsync();
        var (leaver, leaverCard) = await DesignateAsync(structure, "PARTANT");
        var (stayer, stayerCard) = await DesignateAsync(structure, "RESTANT");

        await HttpAssert.JsonAsync(await OpposeAsync(structure.LegalRepresentativeClient, leaverCard, "holder-left"));
        await HttpAssert.JsonAsync(await OpposeAsync(structure.LegalRepresentativeClient, stayerCard, "lost"));

        var mandataires = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/mandataires"));
        var idNats = mandataires.EnumerateArray().Select(m => m.GetProperty("idNat").GetString()).ToList();
        Assert.DoesNotContain(leaver.IdNat, idNats);
        Assert.Contains(stayer.IdNat, idNats);
    }

    private async Task<(CardIdentity Card, Guid CardId)> DesignateAsync(World.StructureActors structure, string nom)
    {
        var card = Registry.NewStaffCard(structure.Finess, nom);
        var cardId = await _world.RegisterCardAsync(card, "CPE", structure.StructureId);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync(
            $"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = card.IdNat }), HttpStatusCode.Created);
        return (card, cardId);
    }

    private static async Task<Guid> CardIdAsync(World.StructureActors structure, string cardType)
    {
        var page = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/cards?type={cardType}"));
        return page.GetProperty("items")[0].GetProperty("id").GetGuid();
    }

    private static Task<HttpResponseMessage> OpposeAsync(HttpClient client, Guid cardId, string reason)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason }) };
        request.Headers.TryAddWithoutValidation("If-Match", "*");
        return client.SendAsync(request);
    }
}
