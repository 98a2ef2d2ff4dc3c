using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Admin;

/// <summary>The back-office records card production on an order, following the order life cycle (<see cref="OrderLifecycle"/>).</summary>
internal static class OrderEvents
{
    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Record(
        Guid orderId, OrderEventRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource, OrderReader reader, IOptions<CardsOptions> cards,
        CancellationToken cancellationToken)
    {
        if (Validate(request, http.UtcNow(), out var occurredAt) is { } invalid)
        {
            return invalid;
        }

        var evt = request.Event!;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var order = await OrderStore.LockAsync(connection, transaction, orderId, cancellationToken);
        if (order is null)
        {
            return Problem.NotFound("order");
        }

        if (OrderLifecycle.Refusal(order, evt, occurredAt) is { } refused)
        {
            return refused;
        }

        Guid? cardId = null;
        if (evt == "card-shipped")
        {
            // A struck-off professional is issued no card, whatever order was still running.
            if (await OrderStore.HolderRadiatedAsync(connection, transaction, order, cancellationToken))
            {
                return Problem.Conflict(ProblemTypes.HolderRadiated, "The holder is radiated",
                    "The Ordre or the ARS has struck the holder off the register of this profession: no card is issued to them.");
            }

            var (issued, problem) = await IssueCardAsync(connection, transaction, order, request, occurredAt, cards.Value.ValidityYears, caller, cancellationToken);
            if (issued is null)
            {
                return problem!;
            }

            cardId = issued;
        }

        await OrderStore.ApplyAsync(connection, transaction, orderId,
            new OrderEvent(evt, OrderLifecycle.StateAfter(evt, order.NewCodes), occurredAt, caller.IdNat, request.Reason, cardId), cancellationToken);
        await http.AuditAsync(connection, transaction, order.StructureId, $"order {orderId}", evt);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await reader.GetAsync(connection, orderId, cancellationToken))!);
    }

    private static ProblemHttpResult? Validate(OrderEventRequest request, DateTime now, out DateTime occurredAt)
    {
        occurredAt = (request.OccurredAt ?? now).ToUniversalTime();
        if (!OrderLifecycle.IsEvent(request.Event))
        {
            return new FieldErrors().Add("event", $"must be one of {string.Join(", ", OrderLifecycle.Events)}.").ToProblem();
        }

        if (occurredAt > now.AddMinutes(5))
        {
            return Problem.Rule(ProblemTypes.EventTimeInFuture, "The event is dated in the future", "occurredAt records what has happened; it cannot be later than now.");
        }

        return request.CardSerial is not null && !CardStore.IsSerial(request.CardSerial)
            ? new FieldErrors().Add("cardSerial", "must be a 10-digit serial.").ToProblem()
            : null;
    }

    /// <summary>The card-shipped event puts the card in the parc, with the serial and validity it carries or the service's own.</summary>
    private static async Task<(Guid? CardId, ProblemHttpResult? Problem)> IssueCardAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        LockedOrder order, OrderEventRequest request, DateTime occurredAt, int validityYears, Caller caller, CancellationToken cancellationToken)
    {
        var validUntil = request.ValidUntil?.ToUniversalTime() ?? occurredAt.AddYears(validityYears);
        if (validUntil <= occurredAt)
        {
            return (null, new FieldErrors().Add("validUntil", "must come after the shipping time (occurredAt).").ToProblem());
        }

        var cardId = await CardStore.IssueAsync(connection, transaction,
            new NewCard(order.CardType, request.CardSerial, order.HolderId, order.StructureId, order.Profession, occurredAt, validUntil, order.Id),
            caller.IdNat, $"order {order.Id} ({order.Kind})", cancellationToken);
        return cardId is null
            ? (null, Problem.Conflict(ProblemTypes.CardSerialTaken, "A card with this serial exists", $"Serial {request.CardSerial} is already in the registry."))
            : (cardId, null);
    }
}
