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
            VALUES (@id, 'placed', @State, cpx_now(), @PlacedByIdNat);
            """,
            new
            {
                id, order.StructureId, order.CardType, order.Kind, order.HolderId, order.Profession, order.ModeExercice, order.State, order.NewCodes,
                order.DossierCompleteAt, order.ReplacesCardId, order.PlacedByIdNat, order.PlacedByCardSerial,
            }, transaction, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>
    /// A structure's new order, unless its holder already holds a live card or order of that type there (one
    /// live card per holder and kind): the check and both inserts in one statement, whose row is the live
    /// card or order found (then nothing was written). The holder's row is locked by an earlier statement
    /// of the transaction, so this statement's snapshot sees every order placed for them before.
    /// Its parameters: <see cref="PlaceParameters"/>.
    /// </summary>
    internal const string PlaceUnlessLive =
        """
        WITH live AS (
            SELECT 'card' AS kind, id FROM cards
            WHERE structure_id = @orderStructureId AND holder_id = @holderId AND card_type = @cardType AND state = 'active' AND valid_until > cpx_now()
            UNION ALL
            SELECT 'order', id FROM orders
            WHERE structure_id = @orderStructureId AND holder_id = @holderId AND card_type = @cardType
              AND state NOT IN ('completed', 'rejected', 'cancelled')
            LIMIT 1),
        placed AS (
            INSERT INTO orders (id, structure_id, card_type, kind, holder_id, profession, mode_exercice, state, new_codes,
                                dossier_complete_at, replaces_card_id, placed_by_id_nat, placed_by_card_serial)
            SELECT @id, @orderStructureId, @cardType, @kind, @holderId, @profession, @modeExercice, @state, @newCodes,
                   @dossierCompleteAt, @replacesCardId, @placedByIdNat, @placedByCardSerial
            WHERE NOT EXISTS (SELECT 1 FROM live)
            RETURNING id, state, placed_by_id_nat),
        placed_event AS (
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat)
            SELECT id, 'placed', state, cpx_now(), placed_by_id_nat FROM placed)
        SELECT kind AS Kind, id AS Id FROM live
        """;

    /// <summary>The parameters of <see cref="PlaceUnlessLive"/> (named apart from any other statement's in the batch it rides in).</summary>
    internal static object PlaceParameters(Guid id, NewOrder order) => new
    {
        id, orderStructureId = order.StructureId, cardType = order.CardType, kind = order.Kind, holderId = order.HolderId, profession = order.Profession,
        modeExercice = order.ModeExercice, state = order.State, newCodes = order.NewCodes, dossierCompleteAt = order.DossierCompleteAt,
        replacesCardId = order.ReplacesCardId, placedByIdNat = order.PlacedByIdNat, placedByCardSerial = order.PlacedByCardSerial,
    };

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
            VALUES (@id, @StructureId, @CardType, 'renewal', @HolderId, @Profession, 'submitted', false, cpx_now(), @CardId, @actorIdNat, @actorCardSerial)
            ON CONFLICT (replaces_card_id) WHERE kind = 'renewal' AND state NOT IN ('rejected', 'cancelled') DO NOTHING
            """, new { id, card.StructureId, card.CardType, card.HolderId, card.Profession, card.CardId, actorIdNat, actorCardSerial },
            transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return null;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat) VALUES (@id, 'placed', 'submitted', cpx_now(), @actorIdNat)",
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
            UPDATE orders SET state = @State, updated_at = cpx_now(),
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
            UPDATE orders SET state = 'cancelled', updated_at = cpx_now() WHERE id = @orderId;
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat) VALUES (@orderId, 'cancelled', 'cancelled', cpx_now(), @actorIdNat);
            """, new { orderId, actorIdNat }, transaction, cancellationToken: cancellationToken));

    /// <summary>A card in opposition is replaced, not renewed: a renewal of it not yet in production is cancelled.</summary>
    public static Task CancelRenewalsOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cardId, string actorIdNat, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            WITH cancelled AS (
                UPDATE orders SET state = 'cancelled', updated_at = cpx_now()
                WHERE replaces_card_id = @cardId AND kind = 'renewal' AND state IN ('awaiting-visa', 'submitted')
                RETURNING id
            )
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
            SELECT id, 'cancelled', 'cancelled', cpx_now(), @actorIdNat, 'card in opposition' FROM cancelled;
            """, new { cardId, actorIdNat }, transaction, cancellationToken: cancellationToken));

    /// <summary>The orders an Ordre's inscriptions create (<see cref="PlaceFromRegisterAsync"/>), with their first event.</summary>
    internal const string RegisterOrdersStatement =
        """
        WITH wanted AS (
            SELECT u.order_id, u.id_nat, u.profession, u.categorie, u.mode_ex, COALESCE(u.transmitted_at, cpx_now()) AS transmitted_at, u.departement,
                   CASE WHEN u.categorie = 'E' THEN 'CPF' ELSE 'CPS' END AS card_type
            FROM unnest(@OrderIds::uuid[], @IdNats::text[], @Professions::text[], @Categories::text[], @Modes::text[],
                        @TransmittedAt::timestamptz[], @Departements::text[])
                 AS u(order_id, id_nat, profession, categorie, mode_ex, transmitted_at, departement)
        ), eligible AS (
            -- The live card and the live order are looked up per holder (lateral, LIMIT 1: never a join the
            -- planner could turn into a scan of every order, as it did on tables not yet analysed).
            SELECT w.*, p.id AS holder_id
            FROM wanted w JOIN persons p ON p.id_nat = w.id_nat
            LEFT JOIN professions f ON f.code = w.profession AND f.valid_from <= w.transmitted_at::date
                                   AND (f.valid_until IS NULL OR f.valid_until > w.transmitted_at::date)
            LEFT JOIN LATERAL (SELECT 1 AS held FROM cards c WHERE c.holder_id = p.id AND c.state = 'active' AND c.valid_until > cpx_now()
                               AND c.profession = w.profession LIMIT 1) live_card ON true
            LEFT JOIN LATERAL (SELECT 1 AS held FROM orders o WHERE o.holder_id = p.id AND o.profession = w.profession AND o.kind = 'new'
                               AND o.state NOT IN ('completed', 'rejected', 'cancelled') LIMIT 1) live_order ON true
            WHERE (w.card_type = 'CPS' OR f.cpf_eligible) AND live_card.held IS NULL AND live_order.held IS NULL
        ), inserted AS (
            INSERT INTO orders (id, structure_id, card_type, kind, holder_id, profession, mode_exercice, state, new_codes,
                                dossier_complete_at, departement, source)
            SELECT order_id, NULL, card_type, 'new', holder_id, profession, NULLIF(mode_ex, ''), 'submitted', true,
                   transmitted_at, NULLIF(departement, ''), @source
            FROM eligible
            RETURNING id, dossier_complete_at
        ), history AS (
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat)
            SELECT id, 'placed', 'submitted', dossier_complete_at, @source FROM inserted
        )
        SELECT id FROM inserted
        """;

    /// <summary>
    /// The orders a register's inscriptions place, set-based: for each holder who holds no active card nor a
    /// live new order for that profession, a CPS, or a CPF for a student (catégorie E) of a CPF profession,
    /// submitted with its dossier complete at the transmission. Returns the index and order id of each placed.
    /// </summary>
    public static async Task<IReadOnlyList<(int Index, Guid OrderId)>> PlaceFromRegisterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        RegisterOrders batch, string source, CancellationToken cancellationToken)
    {
        var placed = await connection.QueryAsync<Guid>(new CommandDefinition(RegisterOrdersStatement,
            new { batch.OrderIds, batch.IdNats, batch.Professions, batch.Categories, batch.Modes, batch.TransmittedAt, batch.Departements, source },
            transaction, cancellationToken: cancellationToken));
        // Each record's order id was drawn here: the ids placed name their records.
        var indexOf = batch.OrderIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => batch.Indexes[x.i]);
        return placed.Select(id => (indexOf[id], id)).ToList();
    }

    /// <summary>
    /// ARS visa decisions, set-based: granted, the dossier is complete from the decision (seed 004 §4.2);
    /// refused, the order ends with the reason. Each with its line of history.
    /// </summary>
    public static Task ApplyVisaDecisionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, VisaDecisionBatch batch, string source,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            WITH decided AS (
                SELECT id, granted, reason, COALESCE(decided_at, cpx_now()) AS decided_at
                FROM unnest(@OrderIds::uuid[], @Granted::bool[], @Reasons::text[], @DecidedAt::timestamptz[]) AS d(id, granted, reason, decided_at)
            ), updated AS (
                UPDATE orders o SET
                    state = CASE WHEN d.granted THEN 'submitted' ELSE 'rejected' END,
                    dossier_complete_at = CASE WHEN d.granted THEN d.decided_at ELSE o.dossier_complete_at END,
                    rejection_reason = CASE WHEN d.granted THEN o.rejection_reason ELSE d.reason END,
                    updated_at = cpx_now()
                FROM decided d WHERE o.id = d.id
                RETURNING o.id, o.state, d.granted, d.reason, d.decided_at
            )
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
            SELECT id, CASE WHEN granted THEN 'visa-granted' ELSE 'visa-refused' END, state, decided_at, @source, NULLIF(reason, '')
            FROM updated
            """, new { batch.OrderIds, batch.Granted, batch.Reasons, batch.DecidedAt, source }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// A radiation ends what was under way for the professional: their orders of the radiated professions
    /// (new, renewal, replacement) not yet shipped are cancelled, with the reason in their history. Run
    /// before the cards are put in opposition: a card-shipped event that holds an order's lock finishes
    /// first, and the opposition that follows, in its own statement, sees the card it issued.
    /// </summary>
    public static Task<int> CancelForRadiationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] idNats, string[] professions,
        string actor, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            WITH cancelled AS (
                UPDATE orders o SET state = 'cancelled', updated_at = cpx_now()
                FROM persons p LEFT JOIN professionals pr ON pr.person_id = p.id
                WHERE p.id = o.holder_id AND p.id_nat = ANY(@idNats) AND o.card_type IN ('CPS', 'CPF')
                  AND COALESCE(o.profession, pr.profession) = ANY(@professions)
                  AND o.state IN ('awaiting-visa', 'submitted', 'in-production')
                RETURNING o.id
            )
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
            SELECT id, 'cancelled', 'cancelled', cpx_now(), @actor, 'holder radiated' FROM cancelled
            """, new { idNats, professions, actor }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// Whether the order's holder is radiated from the order's profession. Reads the professional's row
    /// with a share lock: a radiation under way (which updates that row) is waited for, not raced.
    /// </summary>
    public static async Task<bool> HolderRadiatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LockedOrder order,
        CancellationToken cancellationToken)
    {
        if (order.CardType is not ("CPS" or "CPF"))
        {
            return false;
        }

        var professional = (await connection.QueryAsync<(string Profession, DateTime? RadiatedAt)>(new CommandDefinition(
            "SELECT profession, radiated_at FROM professionals WHERE person_id = @HolderId FOR SHARE",
            new { order.HolderId }, transaction, cancellationToken: cancellationToken))).ToList();
        return professional is [{ RadiatedAt: not null } radiated] && (order.Profession is null || order.Profession == radiated.Profession);
    }
}
