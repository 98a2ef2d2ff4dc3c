using System.Text.Json;
using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Security;
using CpxTeleservice.Structures;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
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

    /// <summary>
    /// The caller acts for the structure, the request names a holder, once per Idempotency-Key; then in one
    /// transaction the holder found in the structure, their cards and orders locked, the departure carried
    /// out and audited.
    /// </summary>
    private static async Task<IResult> Depart(Guid structureId, DepartureRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource,
        IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (Idempotency.ReadKey(http.Request, out var key) is { } badKey)
        {
            return badKey;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await RefuseCallerAsync(connection, caller, structureId, cancellationToken) is { } refused)
        {
            return refused;
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

        var personId = await HolderInStructureAsync(connection, transaction, structureId, request.IdNat, cancellationToken);
        if (personId is null)
        {
            return Problem.Rule(ProblemTypes.HolderNotInStructure, "No such holder in this structure",
                "The structure holds no card, order or mandate of this IdNat.");
        }

        var view = await CarryOutAsync(connection, transaction, structureId, request.IdNat, personId.Value, caller.IdNat, cancellationToken);
        await http.AuditAsync(connection, transaction, structureId, $"holder {request.IdNat}",
            $"cards in opposition (holder-left): [{string.Join(", ", view.OpposedCards.Select(c => c.Serial))}]; "
            + $"orders cancelled: [{string.Join(", ", view.CancelledOrders)}]; orders in production kept: [{string.Join(", ", view.OrdersInProduction)}]; "
            + $"mandate ended: {(view.MandateEnded ? "yes" : "no")}");
        var body = JsonSerializer.Serialize(view, json.Value.SerializerOptions);
        await idempotency.StoreAsync(StatusCodes.Status200OK, body, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Telemetry.CpxMetrics.Opposition("holder-left", view.OpposedCards.Count);
        return Idempotency.Respond(http, StatusCodes.Status200OK, body, null);
    }

    /// <summary>The legal representative or a mandataire, with a card that acts for a structure.</summary>
    private static async Task<ProblemHttpResult?> RefuseCallerAsync(NpgsqlConnection connection, Caller caller, Guid structureId, CancellationToken cancellationToken)
    {
        var role = await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken);
        if (role == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        return Access.CardMayActForStructure(caller.CardType, role)
            ? null
            : Problem.Forbidden($"A {caller.CardType} does not act for a structure.", ProblemTypes.CallerCardNotAllowed);
    }

    /// <summary>The person of this IdNat, if the structure holds a card, an order or a mandate of theirs.</summary>
    private static Task<Guid?> HolderInStructureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid structureId, string idNat,
        CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            """
            SELECT p.id FROM persons p
            WHERE p.id_nat = @IdNat AND (
                EXISTS (SELECT 1 FROM cards c WHERE c.holder_id = p.id AND c.structure_id = @structureId)
                OR EXISTS (SELECT 1 FROM orders o WHERE o.holder_id = p.id AND o.structure_id = @structureId)
                OR EXISTS (SELECT 1 FROM mandataires m WHERE m.person_id = p.id AND m.structure_id = @structureId))
            """, new { IdNat = idNat, structureId }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The holder's active cards and live orders in the structure, locked (cards first, then orders, each by id);
    /// then the orders not yet in production cancelled, the cards put in opposition, the mandate ended.
    /// </summary>
    private static async Task<DepartureView> CarryOutAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid structureId, string idNat,
        Guid personId, string actorIdNat, CancellationToken cancellationToken)
    {
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
            await OrderStore.CancelAsync(connection, transaction, orderId, actorIdNat, cancellationToken);
        }

        foreach (var card in cards)
        {
            await CardStore.OpposeAsync(connection, transaction, card.Id, "holder-left", actorIdNat, cancellationToken);
        }

        var mandateEnded = await MandataireStore.EndMandatesOfAsync(connection, transaction, structureId, personId, "holder-left", actorIdNat, cancellationToken) > 0;
        return new DepartureView(idNat, cards, cancellable, orders.Select(o => o.Id).Except(cancellable).ToList(), mandateEnded);
    }
}
