using System.Net;
using System.Net.Http.Json;
using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Api;

/// <summary>
/// One test per rule of domain.md's "Rules a structure's order must pass" (seed 004 §2–§4), each
/// through the real endpoint, the real catalogue migration and a real card.
/// </summary>
public class OrderRulesTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task Rule1_no_order_before_the_contract_is_active()
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ContractNotActive);
    }

    [Fact]
    public async Task Rule1_contract_is_approved_only_with_both_documents()
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.JsonAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "act-of-nomination", World.Pdf), HttpStatusCode.Created);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsync($"/api/v1/admin/structures/{structure.StructureId}/contract/approval", null),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ContractDocumentsMissing);
    }

    [Theory]
    [InlineData("text.pdf", "plain text pretending to be a PDF")]
    [InlineData("photo.jpg", "GIF89a not a jpeg")]
    public async Task Rule1_contract_documents_are_typed_from_their_bytes_not_their_name(string fileName, string content)
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "identity-document", System.Text.Encoding.ASCII.GetBytes(content), fileName),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.DocumentTypeNotAllowed);
    }

    [Fact]
    public async Task Rule1_contract_documents_are_size_limited()
    {
        var structure = await _world.StructureAsync(approve: false);
        var large = new byte[6 * 1024 * 1024];
        World.Pdf.CopyTo(large, 0);
        await HttpAssert.ProblemAsync(await World.UploadAsync(structure.LegalRepresentativeClient, structure.StructureId, "act-of-nomination", large),
            HttpStatusCode.RequestEntityTooLarge, ProblemTypes.DocumentTooLarge);
    }

    [Fact]
    public async Task Rule1_only_the_legal_representative_attaches_the_documents()
    {
        var structure = await _world.StructureAsync(approve: false);
        var staff = Registry.NewStaffCard(structure.Finess);
        await _world.RegisterCardAsync(staff, "CPE", structure.StructureId);
        using var client = host.CreateClient(staff);
        await HttpAssert.ProblemAsync(await World.UploadAsync(client, structure.StructureId, "act-of-nomination", World.Pdf), HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeOnly);
    }

    [Fact]
    public async Task Rule2_a_structure_member_who_is_not_a_mandataire_cannot_order()
    {
        var structure = await _world.StructureAsync();
        var staff = Registry.NewStaffCard(structure.Finess);
        await _world.RegisterCardAsync(staff, "CPE", structure.StructureId);
        using var client = host.CreateClient(staff);
        await HttpAssert.ProblemAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }

    [Fact]
    public async Task Rule2_the_legal_representative_orders_with_the_CDE()
    {
        var structure = await _world.StructureAsync();
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
        Assert.Equal("CPE", order.GetProperty("cardType").GetString());
    }

    [Fact]
    public async Task Rule2_a_mandataire_orders_with_a_CPS_family_card()
    {
        var structure = await _world.StructureAsync();
        var (_, mandataire) = await _world.MandataireAsync(structure);
        await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
    }

    [Fact]
    public void Rule2_a_CPF_never_acts_for_a_structure_and_a_CDE_only_for_its_legal_representative()
    {
        Assert.False(Access.CardMayActForStructure(CardType.CPF, StructureRoleKind.Mandataire));
        Assert.False(Access.CardMayActForStructure(CardType.CPF, StructureRoleKind.LegalRepresentative));
        Assert.False(Access.CardMayActForStructure(CardType.CDE, StructureRoleKind.Mandataire));
        Assert.True(Access.CardMayActForStructure(CardType.CDE, StructureRoleKind.LegalRepresentative));
        Assert.All(new[] { CardType.CPS, CardType.CPE, CardType.CPA },
            card => Assert.True(Access.CardMayActForStructure(card, StructureRoleKind.Mandataire)));
        Assert.False(Access.CardMayActForStructure(CardType.CPS, StructureRoleKind.None));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("40")]
    [InlineData("50")]
    [InlineData("21")]
    [InlineData("70")]
    [InlineData("80")]
    public async Task Rule3_a_CPS_for_an_RPPS_profession_is_refused_and_sent_to_the_Ordre(string profession)
    {
        var structure = await _world.StructureAsync();
        var problem = await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder(profession)),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CpsRppsThroughOrdre);
        Assert.Contains("Ordre", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("10")]
    [InlineData("60")]
    public async Task Rule3_any_CPF_is_refused_and_sent_to_the_Ordre(string profession)
    {
        var structure = await _world.StructureAsync();
        var problem = await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId,
                new { cardType = "CPF", profession, holder = new { nom = "ETUDIANT", prenom = "ALEX" } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CpfThroughOrdre);
        Assert.Contains("médecins, chirurgiens-dentistes, sages-femmes and pharmaciens", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("L01")] // assistant de service social
    [InlineData("31")]  // assistant dentaire
    [InlineData("L02")] // chiropracteur
    [InlineData("L03")] // ostéopathe
    [InlineData("32")]  // physicien médical
    [InlineData("93")]  // psychologue
    [InlineData("96")]  // psychomotricien
    [InlineData("L04")] // psychothérapeute
    public async Task Rule3_a_CPS_for_a_profession_not_issued_yet_is_refused(string profession)
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder(profession)),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ProfessionNotIssued);
    }

    [Theory]
    [InlineData("95", "L")] // diététicien
    [InlineData("94", "B")] // ergothérapeute
    [InlineData("98", null)] // manipulateur ERM
    [InlineData("86", "L")] // technicien de laboratoire
    public async Task Rule3_a_salaried_only_profession_needs_mode_d_exercice_S(string profession, string? mode)
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder(profession, mode)),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ProfessionSalariedOnly);
    }

    [Theory]
    [InlineData("95")]
    [InlineData("94")]
    [InlineData("98")]
    [InlineData("86")]
    public async Task Rule3_a_salaried_only_profession_in_mode_S_is_ordered_and_waits_for_the_ARS_visa(string profession)
    {
        var structure = await _world.StructureAsync();
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder(profession, "S")), HttpStatusCode.Created);
        Assert.Equal("awaiting-visa", order.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("26")]
    [InlineData("85")]
    [InlineData("60")]
    [InlineData("84")]
    [InlineData("28")]
    [InlineData("83")]
    [InlineData("91")]
    [InlineData("81")]
    [InlineData("92")]
    [InlineData("82")]
    public async Task Rule3_a_CPS_for_an_issuable_ADELI_profession_waits_for_the_ARS_visa_before_the_dossier_counts(string profession)
    {
        var structure = await _world.StructureAsync();
        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder(profession, "L")), HttpStatusCode.Created);
        Assert.Equal("awaiting-visa", order.GetProperty("state").GetString());
        Assert.Equal(JsonValueKindNull, order.GetProperty("dossierCompleteAt").ValueKind);
        Assert.Equal(JsonValueKindNull, order.GetProperty("expectedCardDate").ValueKind);

        // The visa (recorded by the operator until the ARS intake sends it) completes the dossier and dates the card.
        var visaed = await _world.EventAsync(order.GetProperty("id").GetGuid(), "dossier-complete");
        Assert.Equal("submitted", visaed.GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKindNull, visaed.GetProperty("expectedCardDate").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task Rule3_a_CPS_for_an_unknown_profession_is_refused()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("999")),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ProfessionUnknown);
    }

    [Fact]
    public async Task Rule3_a_CPS_order_needs_a_valid_ADELI_number()
    {
        var structure = await _world.StructureAsync();
        var problem = await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpsOrder("60", "L", "12")),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("holder.adeli", out _));
    }

    [Fact]
    public async Task Rule4_a_CPE_holder_is_not_a_health_professional()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId,
                new { cardType = "CPE", holder = new { nom = "SOIGNANT", prenom = "ANA", healthProfessional = true } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CpeHolderHealthProfessional);
    }

    [Fact]
    public async Task Rule4_a_CDE_holder_is_the_legal_representative()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId,
                new { cardType = "CDE", holder = new { idNat = $"3{structure.Finess}/OTHER", nom = "AUTRE", prenom = "PERSONNE" } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CdeHolderNotLegalRepresentative);

        var order = await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, new { cardType = "CDE" }), HttpStatusCode.Created);
        Assert.Equal(structure.LegalRepresentative.IdNat, order.GetProperty("holder").GetProperty("idNat").GetString());
    }

    [Fact]
    public async Task Rule4_a_CDE_holder_is_not_a_health_professional()
    {
        var finess = World.NewFiness();
        var representative = new DevPki.CardIdentity($"8{finess}00", "MEDECIN", "CHEF", 0, Registry.NextSerial(), Profession: 10, Title: "Médecin");
        var structure = await HttpAssert.JsonAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            finess, raisonSociale = "CENTRE " + finess,
            legalRepresentative = new { idNat = representative.IdNat, nom = representative.Nom, prenom = representative.Prenom, healthProfessional = true },
        }), HttpStatusCode.Created);
        var structureId = structure.GetProperty("id").GetGuid();
        await _world.RegisterCardAsync(representative, "CPS", structureId, healthProfessional: true);
        using var client = host.CreateClient(representative);
        await World.UploadAsync(client, structureId, "act-of-nomination", World.Pdf);
        await World.UploadAsync(client, structureId, "identity-document", World.Pdf);
        await HttpAssert.JsonAsync(await _world.Operator.PostAsync($"/api/v1/admin/structures/{structureId}/contract/approval", null));

        await HttpAssert.ProblemAsync(await World.OrderAsync(client, structureId, new { cardType = "CDE" }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CdeHolderHealthProfessional);
    }

    [Fact]
    public async Task A_CPA_is_not_ordered_by_a_structure_here()
    {
        var structure = await _world.StructureAsync();
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, new { cardType = "CPA", holder = new { nom = "A", prenom = "B" } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.CardTypeNotOrderable);
    }

    [Fact]
    public async Task Rule5_only_the_legal_representative_designates_a_mandataire()
    {
        var structure = await _world.StructureAsync();
        var (_, mandataire) = await _world.MandataireAsync(structure);
        var colleague = Registry.NewStaffCard(structure.Finess);
        await _world.RegisterCardAsync(colleague, "CPE", structure.StructureId);
        await HttpAssert.ProblemAsync(await mandataire.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = colleague.IdNat }),
            HttpStatusCode.Forbidden, ProblemTypes.LegalRepresentativeOnly);
    }

    [Fact]
    public async Task Rule5_a_mandataire_holds_an_active_CPS_CPE_or_CPA()
    {
        var structure = await _world.StructureAsync();
        var db = host.Database.DataSource;
        var url = $"/api/v1/structures/{structure.StructureId}/mandataires";
        var client = structure.LegalRepresentativeClient;

        // No card at all.
        await Registry.AddPersonAsync(db, Registry.NewStaffCard(structure.Finess) with { IdNat = "3" + structure.Finess + "/NOCARD" });
        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync(url, new { idNat = "3" + structure.Finess + "/NOCARD" }), HttpStatusCode.UnprocessableEntity, ProblemTypes.MandataireCardRequired);

        // A CPE of another structure.
        var elsewhere = Registry.NewStaffCard();
        await Registry.AddCardAsync(db, elsewhere, "CPE");
        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync(url, new { idNat = elsewhere.IdNat }), HttpStatusCode.UnprocessableEntity, ProblemTypes.MandataireCardRequired);

        // A CPE of this structure in opposition.
        var opposed = Registry.NewStaffCard(structure.Finess);
        await Registry.AddCardAsync(db, opposed, "CPE", structure.StructureId, state: "opposition");
        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync(url, new { idNat = opposed.IdNat }), HttpStatusCode.UnprocessableEntity, ProblemTypes.MandataireCardRequired);

        // A CPF (a trainee) does not qualify.
        var trainee = Registry.NewProfessionalCard(10, "Médecin") with { CardTypeCode = 1 };
        await Registry.AddCardAsync(db, trainee, "CPF", structure.StructureId);
        await HttpAssert.ProblemAsync(await client.PostAsJsonAsync(url, new { idNat = trainee.IdNat }), HttpStatusCode.UnprocessableEntity, ProblemTypes.MandataireCardRequired);

        // A CPS holder, wherever their card was issued, is designated as an employee.
        var nurse = Registry.NewProfessionalCard();
        await Registry.AddCardAsync(db, nurse, "CPS");
        await HttpAssert.JsonAsync(await client.PostAsJsonAsync(url, new { idNat = nurse.IdNat }), HttpStatusCode.Created);

        // A CPA of this structure.
        var cpa = Registry.NewStaffCard(structure.Finess) with { CardTypeCode = 3 };
        await Registry.AddCardAsync(db, cpa, "CPA", structure.StructureId);
        await HttpAssert.JsonAsync(await client.PostAsJsonAsync(url, new { idNat = cpa.IdNat }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Rule5_designation_and_revocation_take_effect_on_the_next_request()
    {
        var structure = await _world.StructureAsync();
        var (card, mandataire) = await _world.MandataireAsync(structure);
        await HttpAssert.JsonAsync(await World.OrderAsync(mandataire, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);

        using (var revoke = await structure.LegalRepresentativeClient.DeleteAsync($"/api/v1/structures/{structure.StructureId}/mandataires/{Uri.EscapeDataString(card.IdNat)}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        await HttpAssert.ProblemAsync(await World.OrderAsync(mandataire, structure.StructureId, World.CpeOrder()), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        var mandataires = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/mandataires"));
        Assert.Empty(mandataires.EnumerateArray());
    }

    [Fact]
    public async Task Refused_designation_is_audited_in_the_structure()
    {
        var structure = await _world.StructureAsync();
        await structure.LegalRepresentativeClient.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = "3" + structure.Finess + "/NOBODY" });
        var audit = await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.GetAsync($"/api/v1/structures/{structure.StructureId}/audit"));
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), e =>
            e.GetProperty("action").GetString() == "DesignateMandataire" && e.GetProperty("outcome").GetString() == "refused:mandataire-card-required");
    }

    [Fact]
    public async Task Cancellation_only_before_production()
    {
        var structure = await _world.StructureAsync();
        var client = structure.LegalRepresentativeClient;
        var first = (await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var cancelled = await HttpAssert.JsonAsync(await client.PostAsync($"/api/v1/orders/{first}/cancellation", null));
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());

        var second = (await HttpAssert.JsonAsync(await World.OrderAsync(client, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await _world.EventAsync(second, "in-production");
        await HttpAssert.ProblemAsync(await client.PostAsync($"/api/v1/orders/{second}/cancellation", null), HttpStatusCode.Conflict, ProblemTypes.OrderStateConflict);
    }

    [Fact]
    public async Task Production_events_follow_the_order_state_machine()
    {
        var structure = await _world.StructureAsync();
        var id = (await HttpAssert.JsonAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{id}/events", new { @event = "card-shipped" }),
            HttpStatusCode.Conflict, ProblemTypes.OrderStateConflict);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{id}/events", new { @event = "in-production", occurredAt = DateTime.UtcNow.AddDays(2) }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.EventTimeInFuture);
        await _world.EventAsync(id, "in-production", new { occurredAt = DateTime.UtcNow.AddHours(-1) });
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync($"/api/v1/admin/orders/{id}/events", new { @event = "card-shipped", occurredAt = DateTime.UtcNow.AddHours(-2) }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.EventTimeBeforePrevious);
        await _world.EventAsync(id, "card-shipped", new { occurredAt = DateTime.UtcNow.AddMinutes(-30) });
    }
}
