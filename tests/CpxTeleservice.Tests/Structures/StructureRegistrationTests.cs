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

/// <summary>An operator registers a structure from its paper contract: once, its identifiers checked field by field, its département known.</summary>
public class StructureRegistrationTests(ServiceHost host) : IClassFixture<ServiceHost>
{
    private readonly World _world = new(host);

    [Fact]
    public async Task A_structure_is_registered_once()
    {
        var structure = await _world.StructureAsync(approve: false);
        await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            finess = structure.Finess, raisonSociale = "DOUBLON",
            legalRepresentative = new { idNat = "3" + structure.Finess + "/X", nom = "X", prenom = "Y", healthProfessional = false },
        }), HttpStatusCode.Conflict, ProblemTypes.StructureAlreadyRegistered);
    }

    [Fact]
    public async Task Structure_identifiers_are_checked_field_by_field()
    {
        var problem = await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            finess = "750812348", siret = "13000578000016", raisonSociale = "",
            legalRepresentative = new { idNat = "", nom = "X", prenom = "Y", healthProfessional = false },
        }), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "finess", "siret", "raisonSociale", "legalRepresentative.idNat" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
    }

    [Fact]
    public async Task A_structure_without_FINESS_needs_its_departement()
    {
        var problem = await HttpAssert.ProblemAsync(await _world.Operator.PostAsJsonAsync("/api/v1/admin/structures", new
        {
            siret = "13000578000015", raisonSociale = "SANS FINESS",
            legalRepresentative = new { idNat = "513000578000015/RL", nom = "X", prenom = "Y", healthProfessional = false },
        }), HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("departement", out _));
    }
}
