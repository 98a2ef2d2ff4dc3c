using CpxTeleservice.Security;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Authorization;

/// <summary>
/// Who may act for which structure, read from <c>caller_structures()</c> in SQL on every request, so a
/// designation or revocation takes effect on the next request.
/// </summary>
public static class Access
{
    /// <summary>The caller's roles in a structure (<c>@idNat</c>, <c>@structureId</c>); <see cref="RoleOf"/> reads its rows.</summary>
    internal const string RoleStatement = "SELECT role FROM caller_structures(@idNat) WHERE structure_id = @structureId";

    public static async Task<StructureRoleKind> RoleAsync(NpgsqlConnection connection, string idNat, Guid structureId, CancellationToken cancellationToken) =>
        RoleOf(await connection.QueryAsync<string>(new CommandDefinition(RoleStatement, new { idNat, structureId }, cancellationToken: cancellationToken)));

    /// <summary>The strongest of the roles read by <see cref="RoleStatement"/>.</summary>
    internal static StructureRoleKind RoleOf(IEnumerable<string> roles)
    {
        var list = roles.ToList();
        return list.Contains("legal-representative") ? StructureRoleKind.LegalRepresentative
            : list.Contains("mandataire") ? StructureRoleKind.Mandataire
            : StructureRoleKind.None;
    }

    /// <summary>
    /// Rule 2 of the seed's orders (§4.2, §4.4): the legal representative or a mandataire, acting with a
    /// card of the CPS family (CPS, CPE, CPA), or the legal representative's CDE.
    /// </summary>
    public static bool CardMayActForStructure(CardType card, StructureRoleKind role) =>
        role != StructureRoleKind.None
        && (card is CardType.CPS or CardType.CPE or CardType.CPA
            || (card == CardType.CDE && role == StructureRoleKind.LegalRepresentative));
}
