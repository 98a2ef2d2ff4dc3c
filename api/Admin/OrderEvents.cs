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
                caller.IdNat, $"order {order.Id} ({order.Kind})", cancellationToken);
            if (cardId is null)
            {
                return Problem.Conflict(ProblemTypes.CardSerialTaken, "A card with this serial exists", $"Serial {request.CardSerial} is already in the registry.");
            }
        }

        await OrderStore.ApplyAsync(connection, transaction, orderId,
            new OrderEvent(evt, OrderLifecycle.StateAfter(evt, order.NewCodes), occurredAt, caller.IdNat, request.Reason, cardId), cancellationToken);
        await http.AuditAsync(connection, transaction, order.StructureId, $"order {orderId}", evt);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok((await reader.GetAsync(connection, orderId, cancellationToken))!);
    }
}
