using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Me;

/// <summary>The calling card and where it acts.</summary>
public static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMe)
            .ReadAhead(RolesAhead)
            .WithName("GetMe")
            .WithSummary("The calling card, and its role in each structure")
            .WithTags("Me");
        return api;
    }

    private static async Task<Ok<MeResponse>> GetMe(Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var roles = await http.ReadAheadOrReadAsync<List<StructureRole>>(RolesAhead(http, caller.IdNat), dataSource, cancellationToken);

        return TypedResults.Ok(new MeResponse(
            caller.IdNat, caller.CardType.ToString(), caller.CardSerial, caller.Profession, caller.Nom, caller.Prenom, caller.IsOperator, roles));
    }

    /// <summary>The roles, read by authentication in the registry check's round trip (<see cref="ReadAhead"/>).</summary>
    private static ReadAhead RolesAhead(HttpContext http, string idNat) =>
        new(idNat, RolesOfIdNat, new { idNat }, async results => (await results.ReadAsync<StructureRole>()).AsList());

    /// <summary>
    /// The roles of the person the card's IdNat names: the registry's holder of the card (authentication has checked
    /// that they are the same), or for an operator's card the registry does not know yet (the bootstrap), the person
    /// of that IdNat if any. One plan PostgreSQL keeps generic: the person by the unique IdNat, then by index.
    /// Sorted by raison sociale, then role.
    /// </summary>
    private const string RolesOfIdNat =
        """
        SELECT s.id AS StructureId, s.raison_sociale AS RaisonSociale, s.id_nat_struct AS IdNatStruct, 'legal-representative' AS Role
        FROM structures s
        WHERE s.legal_representative_id = (SELECT id FROM persons WHERE id_nat = @idNat)
        UNION ALL
        SELECT s.id, s.raison_sociale, s.id_nat_struct, 'mandataire'
        FROM active_mandataires m JOIN structures s ON s.id = m.structure_id
        WHERE m.person_id = (SELECT id FROM persons WHERE id_nat = @idNat)
        ORDER BY 2, 4
        """;
}
