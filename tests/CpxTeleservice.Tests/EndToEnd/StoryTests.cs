using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.EndToEnd;

/// <summary>The whole story of a structure in TOM, over real TLS with real certificates.</summary>
public class StoryTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    [Fact]
    public async Task From_registration_to_a_stolen_card_refused_on_the_next_request()
    {
        var world = new World(host);
        var finess = World.NewFiness();
        var representative = new CardIdentity($"3{finess}/RL0001", "DUPONT", "MARIE", 2, Registry.NextSerial(), Organisation: "SST STORY", OrganisationUnit: "1" + finess);

        // The operator registers the structure from its paper contract, and the legal representative's CDE.
        var structure = await HttpAssert.JsonAsync(await world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            finess, raisonSociale = "SST STORY", secteurActivite = "SA66",
            legalRepresentative = new { idNat = representative.IdNat, nom = "DUPONT", prenom = "MARIE", healthProfessional = false },
        }), HttpStatusCode.Created);
        var structureId = structure.GetProperty("id").GetGuid();
        Assert.Equal("awaiting-documents", structure.GetProperty("contract").GetProperty("state").GetString());
        await world.RegisterCardAsync(representative, "CDE", structureId);
        using var legalRepresentative = host.CreateClient(representative);

        // No approval before the documents are attached.
        await HttpAssert.ProblemAsync(await world.Operator.PostAsync($"/api/v1/admin/structures/{structureId}/contract/approval", null),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ContractDocumentsMissing);

        // The legal representative attaches the act of nomination and the identity document.
        await HttpAssert.JsonAsync(await World.UploadAsync(legalRepresentative, structureId, "act-of-nomination", World.Pdf, "nomination.pdf"), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await World.UploadAsync(legalRepresentative, structureId, "identity-document", World.Png, "cni.png"), HttpStatusCode.Created);

        // The operator approves.
        var approved = await HttpAssert.JsonAsync(await world.ApproveAsync(structureId));
        Assert.Equal("active", approved.GetProperty("contract").GetProperty("state").GetString());

        // The legal representative designates a mandataire, who holds a CPE of the structure.
        var mandataireCard = Registry.NewStaffCard(finess, "MANDATAIRE");
        await world.RegisterCardAsync(mandataireCard, "CPE", structureId);
        await HttpAssert.JsonAsync(await legalRepresentative.PostAsJsonAsync($"/api/v1/structures/{structureId}/mandataires", new { idNat = mandataireCard.IdNat }), HttpStatusCode.Created);
        using var mandataire = host.CreateClient(mandataireCard);

        // The mandataire orders a CPE.
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structureId, World.CpeOrder("ACCUEIL", "JEANNE")), HttpStatusCode.Created);
        var orderId = order.GetProperty("id").GetGuid();
        Assert.Equal("submitted", order.GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKind.Null, order.GetProperty("expectedCardDate").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, order.GetProperty("expectedCodesDate").ValueKind);
        var holderIdNat = order.GetProperty("holder").GetProperty("idNat").GetString()!;

        // The operator records production; the card-shipped event puts the card in the parc.
        await world.EventAsync(orderId, "in-production");
        var shipped = await world.EventAsync(orderId, "card-shipped");
        var cardId = shipped.GetProperty("cardId").GetGuid();
        await world.EventAsync(orderId, "card-received");
        await world.EventAsync(orderId, "codes-shipped");

        var parc = await HttpAssert.JsonAsync(await mandataire.GetAsync($"/api/v1/structures/{structureId}/cards?holder={Uri.EscapeDataString(holderIdNat)}"));
        var listed = Assert.Single(parc.GetProperty("items").EnumerateArray());
        Assert.Equal(cardId, listed.GetProperty("id").GetGuid());
        Assert.Equal("active", listed.GetProperty("state").GetString());
        var serial = listed.GetProperty("serial").GetString()!;

        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/structures/{structureId}/cards");
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        using var csv = await mandataire.SendAsync(csvRequest);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"{cardId},CPE,{serial},active,{holderIdNat}", await csv.Content.ReadAsStringAsync());

        // The new card's holder authenticates with it.
        var holder = new CardIdentity(holderIdNat, "ACCUEIL", "JEANNE", 2, serial, Organisation: "SST STORY", OrganisationUnit: "1" + finess);
        using var holderClient = host.CreateClient(holder);
        await HttpAssert.JsonAsync(await holderClient.GetAsync("/api/v1/me"));

        // The mandataire declares it stolen, with a replacement.
        using var get = await mandataire.GetAsync($"/api/v1/cards/{cardId}");
        var etag = get.Headers.ETag!.Tag;
        using var opposition = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/cards/{cardId}/opposition") { Content = JsonContent.Create(new { reason = "stolen", replacement = true }) };
        opposition.Headers.TryAddWithoutValidation("If-Match", etag);
        var opposed = await HttpAssert.JsonAsync(await mandataire.SendAsync(opposition));
        Assert.Equal("opposition", opposed.GetProperty("card").GetProperty("state").GetString());
        var replacementId = opposed.GetProperty("orderId").GetGuid();

        // That card's certificate is refused on the very next request, on the connection it already had.
        await HttpAssert.ProblemAsync(await holderClient.GetAsync("/api/v1/me"), HttpStatusCode.Unauthorized, ProblemTypes.CardInOpposition);

        // The card's authentication certificate, learnt when it was used, is shown revoked.
        var revoked = await HttpAssert.JsonAsync(await mandataire.GetAsync($"/api/v1/cards/{cardId}"));
        var certificate = Assert.Single(revoked.GetProperty("certificates").EnumerateArray());
        Assert.Equal("authentication", certificate.GetProperty("usage").GetString());
        Assert.NotEqual(JsonValueKind.Null, certificate.GetProperty("revokedAt").ValueKind);
        Assert.Contains(revoked.GetProperty("history").EnumerateArray(), e => e.GetProperty("event").GetString() == "opposition");

        // The replacement comes with new codes.
        var replacement = await HttpAssert.JsonAsync(await mandataire.GetAsync($"/api/v1/orders/{replacementId}"));
        Assert.Equal("replacement", replacement.GetProperty("kind").GetString());
        Assert.True(replacement.GetProperty("newCodes").GetBoolean());
        Assert.Equal(cardId, replacement.GetProperty("replacesCardId").GetGuid());

        // And the legal representative reads it all in the structure's audit.
        var audit = await HttpAssert.JsonAsync(await legalRepresentative.GetAsync($"/api/v1/structures/{structureId}/audit?limit=100"));
        var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "RegisterStructure", "UploadContractDocument", "ApproveContract", "DesignateMandataire", "CreateOrder", "RecordOrderEvent", "OpposeCard" }, actions);
    }
}
