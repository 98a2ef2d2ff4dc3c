using System.Net;
using System.Net.Http.Json;
using System.Text;
using CpxTeleservice.Authorization;
using CpxTeleservice.DevPki;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Orders;

/// <summary>Rules 1 to 4 of a structure's order (seed 004 §2–§4), each wired through the real endpoint, the real catalogue migration and a real card; OrderRulesEvaluateTests checks the rules themselves case by case.</summary>
public class OrderRulesTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public async Task Rule1_no_order_before_the_contract_is_active()
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, World.CpeOrder()),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.ContractNotActive);
    }

    [Fact]
    public async Task Rule1_a_structure_the_registry_holds_without_a_contract_orders_nothing_and_is_told_so()
    {
        // A structure written into the registry without its contract (not through POST /admin/structures).
        var db = host.Database.DataSource;
        var finess = World.NewFiness();
        var representative = Registry.NewStaffCard(finess);
        await Registry.AddCardAsync(db, representative, "CDE");
        var structureId = await Registry.AddStructureAsync(db, finess, "SANS CONTRAT", await Registry.PersonIdAsync(db, representative.IdNat));
        using var client = host.CreateClient(representative);
        await HttpAssert.ProblemAsync(await World.OrderAsync(client, structureId, World.CpeOrder()), HttpStatusCode.UnprocessableEntity, ProblemTypes.ContractNotActive);
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
    public async Task A_CPF_does_not_act_for_a_structure_even_when_its_holder_is_a_mandataire()
    {
        var structure = await _world.StructureAsync();
        var cps = Registry.NewProfessionalCard(10, "Médecin");
        await _world.RegisterCardAsync(cps, "CPS", null, healthProfessional: true);
        await HttpAssert.JsonAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = cps.IdNat }), HttpStatusCode.Created);
        var cpf = cps with { CardTypeCode = 1, CardSerial = Registry.NextSerial() };
        await _world.RegisterCardAsync(cpf, "CPF", null, healthProfessional: true);

        using var withCpf = host.CreateClient(cpf);
        await HttpAssert.ProblemAsync(await World.OrderAsync(withCpf, structure.StructureId, World.CpeOrder()), HttpStatusCode.Forbidden, ProblemTypes.CallerCardNotAllowed);
        using var withCps = host.CreateClient(cps);
        await HttpAssert.JsonAsync(await World.OrderAsync(withCps, structure.StructureId, World.CpeOrder()), HttpStatusCode.Created);
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
        Assert.Contains("Ordre", problem.GetProperty("detail").GetString());
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

        // The legal representative holds an active CDE already: OneLiveCardPerHolderTests orders their next one.
        await HttpAssert.ProblemAsync(await World.OrderAsync(structure.LegalRepresentativeClient, structure.StructureId, new { cardType = "CDE" }),
            HttpStatusCode.Conflict, ProblemTypes.CardAlreadyHeld);
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
        await HttpAssert.JsonAsync(await _world.ApproveAsync(structureId));

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
    public async Task A_structure_orders_only_for_IdNats_of_its_own_namespace()
    {
        var a = await _world.StructureAsync();
        var b = await _world.StructureAsync();
        // Another structure's legal representative, as the holder of a CPE: refused, field by field.
        var problem = await HttpAssert.ProblemAsync(await World.OrderAsync(a.LegalRepresentativeClient, a.StructureId,
                new { cardType = "CPE", holder = new { idNat = b.LegalRepresentative.IdNat, nom = b.LegalRepresentative.Nom, prenom = b.LegalRepresentative.Prenom } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("holder.idNat", out _));
        // A CPS holder's IdNat is 0+ADELI.
        await HttpAssert.ProblemAsync(await World.OrderAsync(a.LegalRepresentativeClient, a.StructureId,
                new { cardType = "CPS", profession = "60", modeExercice = "S", holder = new { idNat = b.LegalRepresentative.IdNat, nom = "X", prenom = "Y", adeli = "751234567" } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        // An IdNat of the structure's namespace already registered under another name.
        var staff = Registry.NewStaffCard(a.Finess, "EXISTANT");
        await _world.RegisterCardAsync(staff, "CPE", a.StructureId);
        await HttpAssert.ProblemAsync(await World.OrderAsync(a.LegalRepresentativeClient, a.StructureId,
                new { cardType = "CPE", holder = new { idNat = staff.IdNat, nom = "AUTRE", prenom = "NOM" } }),
            HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
    }
}
