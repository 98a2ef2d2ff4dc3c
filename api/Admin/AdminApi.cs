using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Persons;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
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

        if (request.Serial is null || !CardStore.IsSerial(request.Serial))
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
        var personId = await PersonStore.UpsertAsync(connection, transaction,
            new NewPerson(holder.IdNat!, holder.Nom, holder.Prenom, null, holder.HealthProfessional), cancellationToken);
        var cardId = Guid.CreateVersion7();
        var card = new NewCard(request.CardType!, request.Serial, personId, request.StructureId, request.Profession,
            request.ValidFrom ?? DateTime.UtcNow, request.ValidUntil!.Value, null);
        if (!await CardStore.RegisterAsync(connection, transaction, cardId, card, http.Caller().IdNat, cancellationToken))
        {
            return Problem.Conflict(ProblemTypes.CardSerialTaken, "A card with this serial exists", $"Serial {request.Serial} is already in the registry.");
        }

        await http.AuditAsync(connection, transaction, request.StructureId, $"card {cardId}", $"{request.CardType} {request.Serial}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/cards/{cardId}", (await cards.GetAsync(connection, cardId, cancellationToken))!);
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> RecordEvent(
        Guid orderId, OrderEventRequest request, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, IOptions<CardsOptions> cards,
        CancellationToken cancellationToken)
    {
        if (!OrderLifecycle.IsEvent(request.Event))
        {
            return new FieldErrors().Add("event", $"must be one of {string.Join(", ", OrderLifecycle.Events)}.").ToProblem();
        }

        var evt = request.Event!;
        var occurredAt = (request.OccurredAt ?? DateTime.UtcNow).ToUniversalTime();
        if (occurredAt > DateTime.UtcNow.AddMinutes(5))
        {
            return Problem.Rule(ProblemTypes.EventTimeInFuture, "The event is dated in the future", "occurredAt records what has happened; it cannot be later than now.");
        }

        if (request.CardSerial is not null && !CardStore.IsSerial(request.CardSerial))
        {
            return new FieldErrors().Add("cardSerial", "must be a 10-digit serial.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var order = await OrderStore.LockAsync(connection, transaction, orderId, cancellationToken);
        if (order is null)
        {
            return Problem.NotFound("order");
        }

        // Events are recorded after the fact, but in the order they happened: the dates depend on it.
        if (order.LastEventAt is { } last && occurredAt < last)
        {
            return Problem.Rule(ProblemTypes.EventTimeBeforePrevious, "The event is dated before the order's previous event",
                $"The previous production event happened at {last:O}.");
        }

        if (!OrderLifecycle.Follows(evt, order.State))
        {
            return Problem.Conflict(ProblemTypes.OrderStateConflict, $"'{evt}' does not follow '{order.State}'",
                $"'{evt}' is recorded on an order that is {string.Join(" or ", OrderLifecycle.From(evt))}.");
        }

        Guid? cardId = null;
        if (evt == "card-shipped")
        {
            var validityYears = cards.Value.ValidityYears;
            var validUntil = request.ValidUntil?.ToUniversalTime() ?? occurredAt.AddYears(validityYears);
            if (validUntil <= occurredAt)
            {
                return new FieldErrors().Add("validUntil", "must come after the shipping time (occurredAt).").ToProblem();
            }

            cardId = await CardStore.IssueAsync(connection, transaction,
                new NewCard(order.CardType, request.CardSerial, order.HolderId, order.StructureId, order.Profession, occurredAt, validUntil, order.Id),
                http.Caller().IdNat, $"order {order.Id} ({order.Kind})", cancellationToken);
            if (cardId is null)
            {
                return Problem.Conflict(ProblemTypes.CardSerialTaken, "A card with this serial exists", $"Serial {request.CardSerial} is already in the registry.");
            }
        }

        await OrderStore.ApplyAsync(connection, transaction, orderId,
            new OrderEvent(evt, OrderLifecycle.StateAfter(evt, order.NewCodes), occurredAt, http.Caller().IdNat, request.Reason, cardId), cancellationToken);
        await http.AuditAsync(connection, transaction, order.StructureId, $"order {orderId}", evt);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await reader.GetAsync(connection, orderId, cancellationToken))!);
    }

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
