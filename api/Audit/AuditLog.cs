using Dapper;
using Npgsql;

namespace CpxTeleservice.Audit;

/// <summary>Appends to <c>audit_events</c>, which a trigger keeps append-only.</summary>
public sealed partial class AuditLog(NpgsqlDataSource dataSource, ILogger<AuditLog> logger)
{
    /// <summary>The insert of one entry, its parameters an <see cref="AuditEntry"/>'s properties (a caller may send it in a batch of its own).</summary>
    internal const string Insert =
        """
        INSERT INTO audit_events (actor_id_nat, actor_card_serial, structure_id, action, target, outcome, detail, request_id)
        VALUES (@ActorIdNat, @ActorCardSerial, @StructureId, @Action, @Target, @Outcome, @Detail, @RequestId)
        """;

    /// <summary>Records an entry on its own connection: used for refusals, which have no transaction of their own.</summary>
    public async Task RecordAsync(AuditEntry entry)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync(Insert, entry);
        }
        catch (NpgsqlException exception)
        {
            // A refusal stays a refusal when the audit cannot be written; the log keeps the trace.
            LogEntryNotRecorded(logger, exception, entry.Action, entry.Outcome, entry.ActorIdNat);
        }
    }

    /// <summary>Records an entry that stands for <paramref name="occurrences"/> identical events (counted refusals).</summary>
    public async Task RecordAsync(AuditEntry entry, int occurrences)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await connection.ExecuteAsync(
                """
                INSERT INTO audit_events (actor_id_nat, actor_card_serial, structure_id, action, target, outcome, detail, request_id, occurrences)
                VALUES (@ActorIdNat, @ActorCardSerial, @StructureId, @Action, @Target, @Outcome, @Detail, @RequestId, @occurrences)
                """,
                new { entry.ActorIdNat, entry.ActorCardSerial, entry.StructureId, entry.Action, entry.Target, entry.Outcome, entry.Detail, entry.RequestId, occurrences });
        }
        catch (NpgsqlException exception)
        {
            LogCountedEntryNotRecorded(logger, exception, entry.Action, entry.Outcome, occurrences);
        }
    }

    /// <summary>Records an entry inside the caller's transaction, so that it commits with the change it describes.</summary>
    public static Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry) =>
        connection.ExecuteAsync(Insert, entry, transaction);

    [LoggerMessage(EventId = 1, EventName = "AuditEntryNotRecorded", Level = LogLevel.Error, Message = "Could not record audit entry {Action} {Outcome} for {Actor}")]
    private static partial void LogEntryNotRecorded(ILogger logger, Exception exception, string action, string outcome, string? actor);

    [LoggerMessage(EventId = 2, EventName = "CountedAuditEntryNotRecorded", Level = LogLevel.Error, Message = "Could not record audit entry {Action} {Outcome} ×{Occurrences}")]
    private static partial void LogCountedEntryNotRecorded(ILogger logger, Exception exception, string action, string outcome, int occurrences);
}
