using System.Security.Cryptography;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Admin;

public sealed record CardHolderInput(string? IdNat, string? Nom, string? Prenom, bool HealthProfessional);

/// <summary>A card already in the field, as the operator registers it.</summary>
public sealed record RegisterCardRequest(
    string? CardType,
    string? Serial,
    CardHolderInput? Holder,
    Guid? StructureId,
    string? Profession,
    DateTime? ValidFrom,
    DateTime? ValidUntil);

/// <summary>A production event on an order. <c>OccurredAt</c> defaults to now (contract.md, Decisions: Event times).</summary>
public sealed record OrderEventRequest(string? Event, DateTime? OccurredAt, string? CardSerial, DateTime? ValidUntil, string? Reason);

/// <summary>The ANS back-office: cards already in the field, card production, every order.</summary>
public static class AdminApi
{
    /// <summary>Each production event, the states it may follow and the state it leads to.</summary>
    private static readonly Dictionary<string, (string[] From, string To)> Transitions = new()
    {
        ["dossier-complete"] = (["awaiting-visa"], "submitted"),
        ["in-production"] = (["submitted"], "in-production"),
        ["card-shipped"] = (["in-production"], "card-shipped"),
        ["card-received"] = (["card-shipped"], "card-received"),
        ["codes-shipped"] = (["card-received"], "codes-shipped"),
        ["completed"] = (["codes-shipped"], "completed"),
        ["rejected"] = (["awaiting-visa", "submitted"], "rejected"),
    };

    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").RequireAuthorization(CardAuthenticationDefaults.OperatorPolicy).WithTags("Administration");
        admin.MapPost("/cards", RegisterCard).WithName("RegisterCard").WithSummary("Register a card already in the field");
        admin.MapPost("/orders/{orderId:guid}/events", RecordEvent).WithName("RecordOrderEvent").WithSummary("Record a production event on an order");
        admin.MapGet("/orders", ListOrders).WithName("ListAllOrders").WithSummary("Every order, filtered, cursor-paginated");
        return api;
    }

    private static async Task<Results<Created<CardView>, ProblemHttpResult>> RegisterCard(
        RegisterCardRequest request, HttpContext http, NpgsqlDataSource dataSource, CardReader cards, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (request.CardType is not ("CPS" or "CPF" or "CPE" or "CDE" or "CPA"))
        {
            errors.Add("cardType", "must be CPS, CPF, CPE, CDE or CPA.");
        }

        if (request.Serial is null || !IsCardSerial(request.Serial))
        {
            errors.Add("serial", "must be the card's 10-digit serial.");
        }

        errors.Required("holder.idNat", request.Holder?.IdNat).Required("holder.nom", request.Holder?.Nom).Required("holder.prenom", request.Holder?.Prenom);
        if (request.ValidUntil is null)
        {
            errors.Add("validUntil", "is required.");
        }
        else if (request.ValidUntil <= (request.ValidFrom ?? DateTime.UtcNow))
        {
            errors.Add("validUntil", "must come after validFrom.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (request.StructureId is { } structureId && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM structures WHERE id = @structureId)", new { structureId }, transaction, cancellationToken: cancellationToken)))
        {
            return new FieldErrors().Add("structureId", "names no registered structure.").ToProblem();
        }

        var holder = request.Holder!;
        var personId = await connection.ExecuteScalarAsync<Guid>(new CommandDefinition(
            """
            INSERT INTO persons (id, id_nat, nom, prenom, health_professional) VALUES (@id, @IdNat, @Nom, @Prenom, @HealthProfessional)
            ON CONFLICT (id_nat) DO UPDATE SET updated_at = now() RETURNING id
            """, new { id = Guid.CreateVersion7(), holder.IdNat, holder.Nom, holder.Prenom, holder.HealthProfessional }, transaction, cancellationToken: cancellationToken));
        var cardId = Guid.CreateVersion7();
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO cards (id, card_type, serial, holder_id, structure_id, profession, valid_from, valid_until)
            VALUES (@cardId, @CardType, @Serial, @personId, @StructureId, @Profession, @validFrom, @ValidUntil)
            ON CONFLICT (serial) DO NOTHING
            """, new { cardId, request.CardType, request.Serial, personId, request.StructureId, request.Profession, validFrom = request.ValidFrom ?? DateTime.UtcNow, request.ValidUntil },
            transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return Problem.Conflict(ProblemTypes.CardSerialTaken, "A card with this serial exists", $"Serial {request.Serial} is already in the registry.");
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO card_events (card_id, event, actor_id_nat) VALUES (@cardId, 'registered', @IdNat)",
            new { cardId, http.Caller().IdNat }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, request.StructureId, $"card {cardId}", $"{request.CardType} {request.Serial}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/cards/{cardId}", (await cards.GetAsync(connection, cardId, cancellationToken))!);
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> RecordEvent(
        Guid orderId, OrderEventRequest request, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, IConfiguration configuration,
        CancellationToken cancellationToken)
    {
        if (request.Event is null || !Transitions.TryGetValue(request.Event, out var transition))
        {
            return new FieldErrors().Add("event", $"must be one of {string.Join(", ", Transitions.Keys)}.").ToProblem();
        }

        var occurredAt = (request.OccurredAt ?? DateTime.UtcNow).ToUniversalTime();
        if (occurredAt > DateTime.UtcNow.AddMinutes(5))
        {
            return Problem.Rule(ProblemTypes.EventTimeInFuture, "The event is dated in the future", "occurredAt records what has happened; it cannot be later than now.");
        }

        if (request.CardSerial is not null && !IsCardSerial(request.CardSerial))
        {
            return new FieldErrors().Add("cardSerial", "must be a 10-digit serial.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var order = await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(
            """
            SELECT id AS Id, state AS State, structure_id AS StructureId, card_type AS CardType, holder_id AS HolderId, profession AS Profession,
                   kind AS Kind, new_codes AS NewCodes, replaces_card_id AS ReplacesCardId
            FROM orders WHERE id = @orderId FOR UPDATE
            """, new { orderId }, transaction, cancellationToken: cancellationToken));
        if (order is null)
        {
            return Problem.NotFound("order");
        }

        // Events are recorded after the fact, but in the order they happened: the dates depend on it.
        var previous = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT max(occurred_at) FROM order_events WHERE order_id = @orderId AND event <> 'placed'", new { orderId }, transaction, cancellationToken: cancellationToken));
        if (previous is { } last && occurredAt < last.ToUniversalTime())
        {
            return Problem.Rule(ProblemTypes.EventTimeBeforePrevious, "The event is dated before the order's previous event",
                $"The previous production event happened at {last.ToUniversalTime():O}.");
        }

        if (!transition.From.Contains(order.State))
        {
            return Problem.Conflict(ProblemTypes.OrderStateConflict, $"'{request.Event}' does not follow '{order.State}'",
                $"'{request.Event}' is recorded on an order that is {string.Join(" or ", transition.From)}.");
        }

        // A renewal keeps the old codes (seed 004 §5): it is complete once the card is received.
        var state = request.Event == "card-received" && !order.NewCodes ? "completed" : transition.To;
        Guid? cardId = null;
        if (request.Event == "card-shipped")
        {
            var validityYears = configuration.GetValue("Cards:ValidityYears", 3);
            var validUntil = request.ValidUntil?.ToUniversalTime() ?? occurredAt.AddYears(validityYears);
            if (validUntil <= occurredAt)
            {
                return new FieldErrors().Add("validUntil", "must come after the shipping time (occurredAt).").ToProblem();
            }
            cardId = await CreateCardAsync(connection, transaction, order, request.CardSerial, occurredAt, validUntil, http.Caller().IdNat, cancellationToken);
            if (cardId is null)
            {
                return Problem.Conflict(ProblemTypes.CardSerialTaken, "A card with this serial exists", $"Serial {request.CardSerial} is already in the registry.");
            }
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE orders SET state = @state, updated_at = now(),
                dossier_complete_at = CASE WHEN @evt = 'dossier-complete' THEN @occurredAt ELSE dossier_complete_at END,
                card_shipped_at = CASE WHEN @evt = 'card-shipped' THEN @occurredAt ELSE card_shipped_at END,
                card_received_at = CASE WHEN @evt = 'card-received' THEN @occurredAt ELSE card_received_at END,
                codes_shipped_at = CASE WHEN @evt = 'codes-shipped' THEN @occurredAt ELSE codes_shipped_at END,
                rejection_reason = CASE WHEN @evt = 'rejected' THEN @Reason ELSE rejection_reason END,
                card_id = COALESCE(@cardId, card_id)
            WHERE id = @orderId;
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat, detail)
            VALUES (@orderId, @evt, @state, @occurredAt, @IdNat, @Reason);
            """, new { state, evt = request.Event, occurredAt, request.Reason, cardId, orderId, http.Caller().IdNat }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, order.StructureId, $"order {orderId}", request.Event);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await reader.GetAsync(connection, orderId, cancellationToken))!);
    }

    private sealed class OrderRow
    {
        public Guid Id { get; set; }
        public string State { get; set; } = "";
        public Guid? StructureId { get; set; }
        public string CardType { get; set; } = "";
        public Guid HolderId { get; set; }
        public string? Profession { get; set; }
        public string Kind { get; set; } = "";
        public bool NewCodes { get; set; }
        public Guid? ReplacesCardId { get; set; }
    }

    /// <summary>Issuing the card puts it in the parc, active, with the given serial or a unique one allocated here.</summary>
    private static async Task<Guid?> CreateCardAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OrderRow order, string? serial,
        DateTime validFrom, DateTime validUntil, string actor, CancellationToken cancellationToken)
    {
        var cardId = Guid.CreateVersion7();
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var candidate = serial ?? AllocateSerial();
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO cards (id, card_type, serial, holder_id, structure_id, profession, valid_from, valid_until, order_id)
                VALUES (@cardId, @CardType, @candidate, @HolderId, @StructureId, @Profession, @validFrom, @validUntil, @Id)
                ON CONFLICT (serial) DO NOTHING
                """, new { cardId, order.CardType, candidate, order.HolderId, order.StructureId, order.Profession, validFrom, validUntil, order.Id },
                transaction, cancellationToken: cancellationToken));
            if (inserted == 1)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO card_events (card_id, event, occurred_at, actor_id_nat, detail) VALUES (@cardId, 'issued', @validFrom, @actor, @detail)",
                    new { cardId, validFrom, actor, detail = $"order {order.Id} ({order.Kind})" }, transaction, cancellationToken: cancellationToken));
                return cardId;
            }

            if (serial is not null)
            {
                return null;
            }
        }

        throw new InvalidOperationException("Could not allocate a unique card serial.");
    }

    private static string AllocateSerial() => RandomNumberGenerator.GetInt32(1_000_000_000, int.MaxValue).ToString("D10");

    private static bool IsCardSerial(string value) => value.Length == 10 && value.All(char.IsAsciiDigit);

    private static async Task<Results<Ok<Page<OrderView>>, ProblemHttpResult>> ListOrders(
        string? state, string? cardType, Guid? structureId, string? cursor, int? limit,
        NpgsqlDataSource dataSource, OrderReader reader, CancellationToken cancellationToken)
    {
        if (FieldErrors.Filters(cursor, out var after, ("state", state, Problem.OrderStates), ("cardType", cardType, Problem.CardTypes)) is { } invalid)
        {
            return invalid;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var take = Cursor.Limit(limit);
        var rows = await reader.QueryAsync(connection,
            """
            WHERE (@state::text IS NULL OR o.state = @state) AND (@cardType::text IS NULL OR o.card_type = @cardType)
              AND (@structureId::uuid IS NULL OR o.structure_id = @structureId) AND (@after::uuid IS NULL OR o.id > @after)
            ORDER BY o.id LIMIT @take
            """, new { state, cardType, structureId, after, take = take + 1 }, cancellationToken);
        return TypedResults.Ok(rows.ToPage(take, o => o.Id));
    }
}
