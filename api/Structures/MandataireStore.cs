using Dapper;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>Writes to <c>mandataires</c> made on behalf of another change, inside the caller's transaction.</summary>
public static class MandataireStore
{
    /// <summary>
    /// A holder who left the structure no longer acts for it: their active mandates there end, revoked by
    /// the person who recorded the departure, with the reason (<c>end_reason</c>). Returns how many ended.
    /// </summary>
    public static Task<int> EndMandatesOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid structureId, Guid personId, string reason,
        string actorIdNat, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE mandataires SET revoked_at = now(), revoked_by = (SELECT id FROM persons WHERE id_nat = @actorIdNat), end_reason = @reason
            WHERE structure_id = @structureId AND person_id = @personId AND revoked_at IS NULL
            """, new { structureId, personId, reason, actorIdNat }, transaction, cancellationToken: cancellationToken));
}
