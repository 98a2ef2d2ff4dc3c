using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using CpxTeleservice.Structures;
using Dapper;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>
/// Changes to a card by its structure: opposition (with an optional replacement, new codes) and
/// renewal at expiry (codes kept). Each needs the card's current ETag in If-Match.
/// </summary>
internal static class CardChanges
{
    public static readonly string[] OppositionReasons = ["lost", "stolen", "malfunction", "not-received", "holder-left"];

    public static async Task<IResult> Oppose(
        Guid cardId, OppositionRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CardReader reader, CancellationToken cancellationToken)
    {
        if (request.Reason is null || !OppositionReasons.Contains(request.Reason))
        {
            return new FieldErrors().Add("reason", $"must be one of {string.Join(", ", OppositionReasons)}.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (card, refusal) = await LoadForChangeAsync(connection, transaction, http, caller, reader, cardId, cancellationToken);
        if (card is null)
        {
            return refusal!;
        }

        // The legal representative is the only one who revokes mandataires: a mandataire cannot lock them out (seed 004 §3).
        if (card.HolderIsLegalRepresentative && card.Role != "legal-representative")
        {
            return Problem.Forbidden("Only the legal representative puts their own card in opposition; a mandataire may not.",
                ProblemTypes.LegalRepresentativeCardReserved);
        }

        if (request.Replacement && request.Reason == "holder-left")
        {
            return Problem.Rule(ProblemTypes.ReplacementNotForHolderLeft, "No replacement for a holder who left",
                "A holder who leaves the structure: opposition without replacement (seeds 000, 001).");
        }

        if (card.State == "opposition")
        {
            return Problem.Conflict(ProblemTypes.CardStateConflict, "The card is already in opposition", "Nothing to do.");
        }

        await CardStore.OpposeAsync(connection, transaction, cardId, request.Reason, caller.IdNat, cancellationToken);
        await OrderStore.CancelRenewalsOfAsync(connection, transaction, cardId, caller.IdNat, cancellationToken);
        // A holder who left no longer acts for the structure.
        var mandatesEnded = request.Reason == "holder-left"
            ? await MandataireStore.EndMandatesOfAsync(connection, transaction, card.StructureId, card.HolderId, "holder-left", caller.IdNat, cancellationToken)
            : 0;
        // Replacement after loss, theft, malfunction or non-receipt: new codes (seed 004 §5).
        Guid? orderId = request.Replacement
            ? await OrderStore.PlaceAsync(connection, transaction, new NewOrder(
                card.StructureId, card.CardType, "replacement", card.HolderId, card.Profession, null, "submitted", NewCodes: true,
                http.UtcNow(), card.Id, caller.IdNat, caller.CardSerial), cancellationToken)
            : null;

        await http.AuditAsync(connection, transaction, card.StructureId, $"card {cardId}", request.Reason + (orderId is null ? "" : $", replacement order {orderId}")
            + (mandatesEnded == 0 ? "" : ", the holder's mandate ended"));
        await transaction.CommitAsync(cancellationToken);
        Telemetry.CpxMetrics.Opposition(request.Reason);
        return await ChangedAsync(http, connection, reader, cardId, orderId, cancellationToken);
    }

    public static async Task<IResult> Renew(Guid cardId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CardReader reader, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (card, refusal) = await LoadForChangeAsync(connection, transaction, http, caller, reader, cardId, cancellationToken);
        if (card is null)
        {
            return refusal!;
        }

        if (card.State != "active")
        {
            return Problem.Conflict(ProblemTypes.CardStateConflict, "A card in opposition is replaced, not renewed",
                "Order its replacement with the opposition.");
        }

        var orderId = await CardRenewal.OrderAsync(connection, transaction,
            new RenewalOf(card.Id, card.StructureId, card.CardType, card.HolderId, card.Profession), caller.IdNat, caller.CardSerial, cancellationToken);
        if (orderId is null)
        {
            return Problem.Conflict(ProblemTypes.RenewalAlreadyOrdered, "A renewal of this card is already under way", "Follow it in the structure's orders.");
        }

        await http.AuditAsync(connection, transaction, card.StructureId, $"card {cardId}", $"renewal order {orderId}");
        await transaction.CommitAsync(cancellationToken);
        return await ChangedAsync(http, connection, reader, cardId, orderId, cancellationToken);
    }

    private static async Task<IResult> ChangedAsync(HttpContext http, NpgsqlConnection connection, CardReader reader, Guid cardId, Guid? orderId,
        CancellationToken cancellationToken)
    {
        var view = (await reader.GetAsync(connection, cardId, cancellationToken))!;
        http.Response.Headers.ETag = CardETag.Of(view);
        return TypedResults.Ok(new CardChangeResponse(view, orderId));
    }

    /// <summary>
    /// The card, locked, when the caller manages its structure's parc; otherwise the refusal: 404 for a
    /// card the caller may not see, 428/412 for a missing or stale If-Match.
    /// </summary>
    private static async Task<(ManagedCard? Card, IResult? Refusal)> LoadForChangeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, HttpContext http, Caller caller, CardReader reader, Guid cardId, CancellationToken cancellationToken)
    {
        var card = await connection.QuerySingleOrDefaultAsync<ManagedCard>(new CommandDefinition(
            """
            SELECT c.id, c.structure_id, c.card_type, c.state, c.holder_id, c.profession, c.valid_until, c.version, r.role,
                   c.holder_id = s.legal_representative_id AS HolderIsLegalRepresentative
            FROM cards c JOIN caller_structures(@IdNat) r ON r.structure_id = c.structure_id JOIN structures s ON s.id = c.structure_id
            WHERE c.id = @cardId ORDER BY r.role LIMIT 1 FOR UPDATE OF c
            """, new { cardId, caller.IdNat }, transaction, cancellationToken: cancellationToken));
        if (card is null)
        {
            http.AuditStructure(await CardsApi.OwningStructureAsync(connection, cardId, cancellationToken));
            return (null, Problem.NotFound("card"));
        }

        http.AuditStructure(card.StructureId);
        var role = card.Role == "legal-representative" ? StructureRoleKind.LegalRepresentative : StructureRoleKind.Mandataire;
        if (!Access.CardMayActForStructure(caller.CardType, role))
        {
            return (null, Problem.Forbidden($"A {caller.CardType} does not act for a structure.", ProblemTypes.CallerCardNotAllowed));
        }

        var ifMatch = http.Request.Headers[HeaderNames.IfMatch].ToString();
        if (ifMatch.Length == 0)
        {
            return (null, Problem.Status(StatusCodes.Status428PreconditionRequired, ProblemTypes.PreconditionRequired, "If-Match is required",
                "Send the card's ETag (from GET /cards/{id}) in If-Match, or * to act whatever its state."));
        }

        // The row is locked: the representation read now is the one the change applies to.
        var current = CardETag.Of((await reader.GetAsync(connection, cardId, cancellationToken))!);
        if (!CardETag.Matches(ifMatch, current))
        {
            return (null, Problem.Status(StatusCodes.Status412PreconditionFailed, ProblemTypes.PreconditionFailed, "The card has changed",
                "Read the card again and retry with its current ETag."));
        }

        return (card, null);
    }
}
