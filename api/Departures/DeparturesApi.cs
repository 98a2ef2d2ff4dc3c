using System.Text.Json;
using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Security;
using CpxTeleservice.Structures;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace CpxTeleservice.Departures;

/// <summary>
/// A leaver in one call: every active card of the holder in the structure goes into opposition
/// (holder-left, no replacement), their orders not yet in production are cancelled, their mandate ends;
/// one audit entry lists it all. Once per Idempotency-Key.
/// </summary>
public static class DeparturesApi
{
    private const int MaxIdNatLength = 64;

    public static RouteGroupBuilder MapDeparturesApi(this RouteGroupBuilder api)
    {
        api.MapPost("/structures/{structureId:guid}/departures", Depart).WithTags("Departures").WithName("RecordDeparture")
            .WithSummary("A holder leaves: their cards in opposition, their live orders cancelled, their mandate ended");
        return api;
    }

    private static async Task<IResult> Depart(Guid structureId, DepartureRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource,
        IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (Idempotency.ReadKey(http.Request, out var key) is { } badKey)
        {
            return badKey;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var role = await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken);
        if (role == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        if (!Access.CardMayActForStructure(caller.CardType, role))
        {
            return Problem.Forbidden($"A {caller.CardType} does not act for a structure.", ProblemTypes.CallerCardNotAllowed);
        }

        if (string.IsNullOrWhiteSpace(request.IdNat) || request.IdNat.Length > MaxIdNatLength)
        {
            return new FieldErrors().Add("idNat", $"is required, at most {MaxIdNatLength} characters.").ToProblem();
        }

        var requestHash = Idempotency.Hash(structureId.ToString(), request, json.Value.SerializerOptions);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var idempotency = new Idempotency(connection, transaction, caller.IdNat, "departures", key);
        if (await idempotency.ClaimAsync(http, requestHash, cancellationToken) is { } answer)
        {
            return answer;
        }

        var personId = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            """
            SELECT p.id FROM persons p
            WHERE p.id_nat = @IdNat AND (
                EXISTS (SELECT 1 FROM cards c WHERE c.holder_id = p.id AND c.structure_id = @structureId)
                OR EXISTS (SELECT 1 FROM orders o WHERE o.holder_id = p.id AND o.structure_id = @structureId)
                OR EXISTS (SELECT 1 FROM mandataires m WHERE m.person_id = p.id AND m.structure_id = @structureId))
            """, new { request.IdNat, structureId }, transaction, cancellationToken: cancellationToken));
        if (personId is null)
        {
            return Problem.Rule(ProblemTypes.HolderNotInStructure, "No such holder in this structure",
                "The structure holds no card, order or mandate of this IdNat.");
        }

        var cards = (await connection.QueryAsync<DepartureCard>(new CommandDefinition(
            """
            SELECT id AS Id, serial AS Serial, card_type AS CardType FROM cards
            WHERE holder_id = @personId AND structure_id = @structureId AND state = 'active'
            ORDER BY id FOR UPDATE
            """, new { personId, structureId }, transaction, cancellationToken: cancellationToken))).ToList();
        var orders = (await connection.QueryAsync<(Guid Id, string State)>(new CommandDefinition(
            """
            SELECT id, state FROM orders
            WHERE holder_id = @personId AND structure_id = @structureId AND state NOT IN ('completed', 'rejected', 'cancelled')
            ORDER BY id FOR UPDATE
            """, new { personId, structureId }, transaction, cancellationToken: cancellationToken))).ToList();

        // Before production an order is cancelled (as POST /orders/{id}/cancellation allows); after, its card is on its way.
        var cancellable = orders.Where(o => OrderLifecycle.Cancellable.Contains(o.State)).Select(o => o.Id).ToList();
        foreach (var orderId in cancellable)
        {
            await OrderStore.CancelAsync(connection, transaction, orderId, caller.IdNat, cancellationToken);
        }

        foreach (var card in cards)
        {
            await CardStore.OpposeAsync(connection, transaction, card.Id, "holder-left", caller.IdNat, cancellationToken);
        }

        var mandateEnded = await MandataireStore.EndMandatesOfAsync(connection, transaction, structureId, personId.Value, "holder-left", caller.IdNat, cancellationToken) > 0;
        var view = new DepartureView(request.IdNat, cards, cancellable, orders.Select(o => o.Id).Except(cancellable).ToList(), mandateEnded);
        await http.AuditAsync(connection, transaction, structureId, $"holder {request.IdNat}",
            $"cards in opposition (holder-left): [{string.Join(", ", cards.Select(c => c.Serial))}]; "
            + $"orders cancelled: [{string.Join(", ", view.CancelledOrders)}]; orders in production kept: [{string.Join(", ", view.OrdersInProduction)}]; "
            + $"mandate ended: {(mandateEnded ? "yes" : "no")}");
        var body = JsonSerializer.Serialize(view, json.Value.SerializerOptions);
        await idempotency.StoreAsync(StatusCodes.Status200OK, body, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Idempotency.Respond(http, StatusCodes.Status200OK, body, null);
    }
}
