using Dapper;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>Ends of mandates that are not a revocation by the legal representative; each runs inside the caller's transaction.</summary>
public static class MandateStore
{
    /// <summary>Ends the person's active mandate in the structure, with its reason; false when they held none.</summary>
    public static async Task<bool> EndAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid structureId, Guid personId, string reason,
        string actorIdNat, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE mandataires SET revoked_at = now(), revoked_by = (SELECT id FROM persons WHERE id_nat = @actorIdNat), end_reason = @reason
            WHERE structure_id = @structureId AND person_id = @personId AND revoked_at IS NULL
            """, new { structureId, personId, reason, actorIdNat }, transaction, cancellationToken: cancellationToken)) > 0;
}
