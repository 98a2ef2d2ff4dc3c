using Dapper;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>Writes to <c>mandataires</c> made on behalf of another change, inside the caller's transaction.</summary>
public static class MandataireStore
{
    /// <summary>
    /// A holder who left the structure no longer acts for it: their active mandates there end, revoked by
    /// the person who recorded the departure, with the reason (<c>end_reason</c>). Returns how many ended.
    /// A mandate already past its end that no pass has closed yet is closed at its end as <c>expired</c>
    /// (as the ended-mandates pass does), and is not counted: the departure did not end it.
    /// </summary>
    public static async Task<int> EndMandatesOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid structureId, Guid personId, string reason,
        string actorIdNat, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<bool>(new CommandDefinition(
            """
            UPDATE mandataires SET
                revoked_at = CASE WHEN ends_at <= cpx_now() THEN ends_at ELSE cpx_now() END,
                revoked_by = CASE WHEN ends_at <= cpx_now() THEN NULL ELSE (SELECT id FROM persons WHERE id_nat = @actorIdNat) END,
                end_reason = CASE WHEN ends_at <= cpx_now() THEN 'expired' ELSE @reason END
            WHERE structure_id = @structureId AND person_id = @personId AND revoked_at IS NULL
            RETURNING end_reason = @reason
            """, new { structureId, personId, reason, actorIdNat }, transaction, cancellationToken: cancellationToken))).Count(ended => ended);
}
