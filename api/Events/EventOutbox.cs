using CpxTeleservice.Infrastructure;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Events;

/// <summary>
/// Reads of the outbox, in feed order. Rows are written by triggers in the transaction of each change
/// (migration 008); here they get their feed position once committed, and are read after a position.
/// </summary>
public static class EventOutbox
{
    private const int SequenceBatch = 10_000;

    /// <summary>Gives feed positions to every committed event that has none yet, in the order they were written.</summary>
    public static async Task SequenceAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        while (await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                   "SELECT sequence_outbox_events(@SequenceBatch)", new { SequenceBatch }, transaction, cancellationToken: cancellationToken)) == SequenceBatch)
        {
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The current end of the feed: a new subscription starts there.</summary>
    public static Task<long> HeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(max(position), 0) FROM outbox_events", transaction: transaction, cancellationToken: cancellationToken));

    /// <summary>A structure's events after a position, oldest first; only the given types when <paramref name="types"/> is not null.</summary>
    internal static async Task<IReadOnlyList<EventRow>> StructureAfterAsync(NpgsqlConnection connection, Guid structureId, long after, string[]? types, int limit,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<EventRow>(new CommandDefinition(
            $"""
            SELECT id, position, type, occurred_at AS OccurredAt, structure_id AS StructureId, resource, data::text AS Data
            FROM outbox_events
            WHERE structure_id = @structureId AND position > @after {(types is null ? "" : "AND type = ANY(@types)")}
            ORDER BY position
            {Keyset.Limit(limit)}
            """, new { structureId, after, types }, cancellationToken: cancellationToken))).ToList();

    /// <summary>Every card opposition after a position, oldest first, whatever the structure.</summary>
    internal static async Task<IReadOnlyList<EventRow>> OppositionsAfterAsync(NpgsqlConnection connection, long after, int limit, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<EventRow>(new CommandDefinition(
            $"""
            SELECT id, position, type, occurred_at AS OccurredAt, structure_id AS StructureId, resource, data::text AS Data
            FROM outbox_events
            WHERE type = 'card.opposed' AND position IS NOT NULL AND position > @after
            ORDER BY position
            {Keyset.Limit(limit)}
            """, new { after }, cancellationToken: cancellationToken))).ToList();
}
