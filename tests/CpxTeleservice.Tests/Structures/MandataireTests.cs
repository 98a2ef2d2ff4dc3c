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

namespace CpxTeleservice.Tests.Structures;

/// <summary>Rule 5, mandataires (seed 004 §3): designated by the legal representative only, holding a qualifying card, once; designation and revocation take effect at once; refusals are audited.</summary>
public class MandataireTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_mandataire_is_designated_once()
    {
        var structure = await _world.StructureAsync();
        var (card, _) = await _world.MandataireAsync(structure);
        await HttpAssert.ProblemAsync(await structure.LegalRepresentativeClient.PostAsJsonAsync($"/api/v1/structures/{structure.StructureId}/mandataires", new { idNat = card.IdNat }),
            HttpStatusCode.Conflict, ProblemTypes.MandataireAlreadyDesignated);
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
}
