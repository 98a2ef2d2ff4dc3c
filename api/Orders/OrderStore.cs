using Dapper;
using Npgsql;

namespace CpxTeleservice.Orders;

/// <summary>
/// Every write to <c>orders</c> and <c>order_events</c>: placing an order with its first event, a
/// renewal, and the life-cycle changes. Each runs inside the caller's transaction.
/// </summary>
public static class OrderStore
{
    /// <summary>Inserts the order and the first line of its history.</summary>
    public static async Task<Guid> PlaceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewOrder order, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO orders (id, structure_id, card_type, kind, holder_id, profession, mode_exercice, state, new_codes,
                                dossier_complete_at, replaces_card_id, placed_by_id_nat, placed_by_card_serial)
            VALUES (@id, @StructureId, @CardType, @Kind, @HolderId, @Profession, @ModeExercice, @State, @NewCodes,
                    @DossierCompleteAt, @ReplacesCardId, @PlacedByIdNat, @PlacedByCardSerial);
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat)
            VALUES (@id, 'placed', @State, now(), @PlacedByIdNat);
            """,
            new
            {
                id, order.StructureId, order.CardType, order.Kind, order.HolderId, order.Profession, order.ModeExercice, order.State, order.NewCodes,
                order.DossierCompleteAt, order.ReplacesCardId, order.PlacedByIdNat, order.PlacedByCardSerial,
            }, transaction, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>
    /// The renewal of a card (codes kept, dossier complete at once), or null when a live renewal of that
    /// card exists: a partial unique index on live renewals decides, whoever asks concurrently.
    /// </summary>
    public static async Task<Guid?> TryPlaceRenewalAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RenewalOf card,
        string? actorIdNat, string? actorCardSerial, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO orders (id, structure_id, card_type, kind, holder_id, profession, state, new_codes, dossier_complete_at, replaces_card_id,
                                placed_by_id_nat, placed_by_card_serial)
            VALUES (@id, @StructureId, @CardType, 'renewal', @HolderId, @Profession, 'submitted', false, now(), @CardId, @actorIdNat, @actorCardSerial)
            ON CONFLICT (replaces_card_id) WHERE kind = 'renewal' AND state NOT IN ('rejected', 'cancelled') DO NOTHING
            """, new { id, card.StructureId, card.CardType, card.HolderId, card.Profession, card.CardId, actorIdNat, actorCardSerial },
            transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return null;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat) VALUES (@id, 'placed', 'submitted', now(), @actorIdNat)",
            new { id, actorIdNat }, transaction, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>The order, locked for a life-cycle event, with the time of its latest production event; null when it does not exist.</summary>
    public static async Task<LockedOrder?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, CancellationToken cancellationToken)
    {
        var order = await connection.QuerySingleOrDefaultAsync<LockedOrder>(new CommandDefinition(
            """
            SELECT id, state, structure_id, card_type, holder_id, profession, kind, new_codes, replaces_card_id
            FROM orders WHERE id = @orderId FOR UPDATE
            """, new { orderId }, transaction, cancellationToken: cancellationToken));
        if (order is null)
        {
            return null;
        }

        // Read once the row is locked, so that an event recorded concurrently is seen.
        order.LastEventAt = (await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT max(occurred_at) FROM order_events WHERE order_id = @orderId AND event <> 'placed'",
            new { orderId }, transaction, cancellationToken: cancellationToken)))?.ToUniversalTime();
        return order;
    }

    /// <summary>Applies a production event: the new state, the event's time in its column, the card it issued, a line of history.</summary>
    public static Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, OrderEvent change, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE orders SET state = @State, updated_at = now(),
                dossier_complete_at = CASE WHEN @Event = 'dossier-complete' THEN @OccurredAt ELSE dossier_complete_at END,
                card_shipped_at = CASE WHEN @Event = 'card-shipped' THEN @OccurredAt ELSE card_shipped_at END,
                card_received_at = CASE WHEN @Event = 'card-received' THEN @OccurredAt ELSE card_received_at END,
                codes_shipped_at = CASE WHEN @Event = 'codes-shipped' THEN @OccurredAt ELSE codes_shipped_at END,
                rejection_reason = CASE WHEN @Event = 'rejected' THEN @Reason ELSE rejection_reason END,
                card_id = COALESCE(@CardId, card_id)
            WHERE id = @orderId;
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
            VALUES (@orderId, @Event, @State, @OccurredAt, @ActorIdNat, @Reason);
            """, new { change.State, change.Event, change.OccurredAt, change.Reason, change.CardId, orderId, change.ActorIdNat },
            transaction, cancellationToken: cancellationToken));

    /// <summary>Cancels an order its structure no longer wants (the caller has checked it is not in production).</summary>
    public static Task CancelAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid orderId, string actorIdNat, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE orders SET state = 'cancelled', updated_at = now() WHERE id = @orderId;
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat) VALUES (@orderId, 'cancelled', 'cancelled', now(), @actorIdNat);
            """, new { orderId, actorIdNat }, transaction, cancellationToken: cancellationToken));

    /// <summary>A card in opposition is replaced, not renewed: a renewal of it not yet in production is cancelled.</summary>
    public static Task CancelRenewalsOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cardId, string actorIdNat, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            WITH cancelled AS (
                UPDATE orders SET state = 'cancelled', updated_at = now()
                WHERE replaces_card_id = @cardId AND kind = 'renewal' AND state IN ('awaiting-visa', 'submitted')
                RETURNING id
            )
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
            SELECT id, 'cancelled', 'cancelled', now(), @actorIdNat, 'card in opposition' FROM cancelled;
            """, new { cardId, actorIdNat }, transaction, cancellationToken: cancellationToken));
}
