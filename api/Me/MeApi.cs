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
        var roles = caller.PersonId is { } personId
            ? await connection.QueryAsync<StructureRole>(new CommandDefinition(RolesOfPerson, new { personId }, cancellationToken: cancellationToken))
            : await connection.QueryAsync<StructureRole>(new CommandDefinition(RolesOfIdNat, new { caller.IdNat }, cancellationToken: cancellationToken));

        return TypedResults.Ok(new MeResponse(
            caller.IdNat, caller.CardType.ToString(), caller.CardSerial, caller.Profession, caller.Nom, caller.Prenom, caller.IsOperator, roles.ToList()));
    }

    /// <summary>
    /// The roles of the card's holder, by the person the registry read during authentication found (the
    /// holder's IdNat is that person's): no lookup of the person again, and one plan PostgreSQL keeps
    /// generic. Sorted by raison sociale, then role.
    /// </summary>
    internal const string RolesOfPerson =
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

    /// <summary>The same, by IdNat, for an operator's card the registry does not know yet (it may still name a person).</summary>
    private const string RolesOfIdNat =
        """
        SELECT s.id AS StructureId, s.raison_sociale AS RaisonSociale, s.id_nat_struct AS IdNatStruct, 'legal-representative' AS Role
        FROM structures s JOIN persons p ON p.id = s.legal_representative_id
        WHERE p.id_nat = @IdNat
        UNION ALL
        SELECT s.id, s.raison_sociale, s.id_nat_struct, 'mandataire'
        FROM active_mandataires m JOIN persons p ON p.id = m.person_id JOIN structures s ON s.id = m.structure_id
        WHERE p.id_nat = @IdNat
        ORDER BY 2, 4
        """;
}
