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
            .WithName("GetMe")
            .WithSummary("The calling card, and its role in each structure")
            .WithTags("Me");
        return api;
    }

    private static async Task<Ok<MeResponse>> GetMe(Caller caller, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The person the registry read found; for an operator's card the registry does not know yet (the
        // bootstrap), the person its IdNat names, if any: one more round trip on that rare path.
        var personId = caller.PersonId ?? await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM persons WHERE id_nat = @IdNat", new { caller.IdNat }, cancellationToken: cancellationToken));
        var roles = personId is null
            ? []
            : (await connection.QueryAsync<StructureRole>(new CommandDefinition(RolesOfPerson, new { personId }, cancellationToken: cancellationToken))).ToList();

        return TypedResults.Ok(new MeResponse(
            caller.IdNat, caller.CardType.ToString(), caller.CardSerial, caller.Profession, caller.Nom, caller.Prenom, caller.IsOperator, roles));
    }

    /// <summary>
    /// The roles of the card's holder, by the person the registry read during authentication found (the
    /// holder's IdNat is that person's): no lookup of the person again, and one plan PostgreSQL keeps
    /// generic. Sorted by raison sociale, then role.
    /// </summary>
    private const string RolesOfPerson =
        """
        SELECT s.id AS StructureId, s.raison_sociale AS RaisonSociale, s.id_nat_struct AS IdNatStruct, 'legal-representative' AS Role
        FROM structures s
        WHERE s.legal_representative_id = @personId
        UNION ALL
        SELECT s.id, s.raison_sociale, s.id_nat_struct, 'mandataire'
        FROM active_mandataires m JOIN structures s ON s.id = m.structure_id
        WHERE m.person_id = @personId
        ORDER BY 2, 4
        """;
}
