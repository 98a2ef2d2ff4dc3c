using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Me;

/// <summary>A structure where the caller acts, and as what: legal-representative or mandataire.</summary>
public sealed record StructureRole(Guid StructureId, string RaisonSociale, string IdNatStruct, string Role);

/// <summary>Who is calling: the card that authenticated the request and what it may act for.</summary>
public sealed record MeResponse(
    string IdNat,
    string CardType,
    string CardSerial,
    string? Profession,
    string? Nom,
    string? Prenom,
    bool Operator,
    IReadOnlyList<StructureRole> Structures);

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

    private static async Task<Ok<MeResponse>> GetMe(HttpContext context, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var roles = await connection.QueryAsync<StructureRole>(new CommandDefinition(
            """
            SELECT s.id AS StructureId, s.raison_sociale AS RaisonSociale, s.id_nat_struct AS IdNatStruct, 'legal-representative' AS Role
            FROM structures s JOIN persons p ON p.id = s.legal_representative_id
            WHERE p.id_nat = @IdNat
            UNION ALL
            SELECT s.id, s.raison_sociale, s.id_nat_struct, 'mandataire'
            FROM mandataires m JOIN persons p ON p.id = m.person_id JOIN structures s ON s.id = m.structure_id
            WHERE p.id_nat = @IdNat AND m.revoked_at IS NULL
            ORDER BY 2, 4
            """, new { caller.IdNat }, cancellationToken: cancellationToken));

        return TypedResults.Ok(new MeResponse(
            caller.IdNat, caller.CardType.ToString(), caller.CardSerial, caller.Profession, caller.Nom, caller.Prenom, caller.IsOperator, roles.ToList()));
    }
}
