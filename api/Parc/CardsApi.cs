using System.Globalization;
using System.Text;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace CpxTeleservice.Parc;

public sealed record OppositionRequest(string? Reason, bool Replacement);

public sealed record CardChangeResponse(CardView Card, Guid? OrderId);

/// <summary>
/// The parc of a structure (seeds 000, 001, 004 §5): follow its cards, export them, put one in
/// opposition (out of service at once: its certificate fails authentication on the very next
/// request), order a replacement (new codes) or a renewal at expiry (codes kept).
/// </summary>
public static class CardsApi
{
    public static readonly string[] OppositionReasons = ["lost", "stolen", "malfunction", "not-received", "holder-left"];

    public static RouteGroupBuilder MapCardsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/structures/{structureId:guid}/cards", List).WithName("ListStructureCards").WithTags("Parc")
            .WithSummary("The structure's parc, filtered, cursor-paginated; Accept: text/csv exports the same selection");
        var cards = api.MapGroup("/cards/{cardId:guid}").WithTags("Parc");
        cards.MapGet("", Get).WithName("GetCard").WithSummary("One card with its certificates and history, with an ETag");
        cards.MapPost("/opposition", Oppose).WithName("OpposeCard").WithSummary("Put a card in opposition, optionally ordering its replacement");
        cards.MapPost("/renewal", Renew).WithName("RenewCard").WithSummary("Order the renewal of a card at expiry (codes kept)");
        api.MapGet("/me/cards", Mine).WithName("ListMyCards").WithTags("Me").WithSummary("The caller's own cards");
        return api;
    }

    private static async Task<IResult> List(
        Guid structureId, string? type, string? state, string? holder, DateTime? expiringBefore, string? cursor, int? limit,
        HttpContext http, NpgsqlDataSource dataSource, CardReader reader, CancellationToken cancellationToken)
    {
        if (FieldErrors.Filters(cursor, out var after, ("type", type, Problem.CardTypes), ("state", state, Problem.CardStates)) is { } invalid)
        {
            return invalid;
        }

        var caller = http.Caller();
        var filter = new CardFilter(type, state, holder, expiringBefore?.ToUniversalTime());
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var where = $"""
            WHERE c.structure_id = @structureId AND c.structure_id IN (SELECT structure_id FROM caller_structures(@IdNat)) AND {CardReader.FilterSql}
            """;
        var wantsCsv = http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase));
        if (wantsCsv)
        {
            if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
            {
                return Forbidden();
            }

            await WriteCsvAsync(http, reader, connection, $"{where} ORDER BY c.id",
                new { structureId, caller.IdNat, filter.Type, filter.State, filter.Holder, filter.ExpiringBefore }, cancellationToken);
            return Results.Empty;
        }

        var take = Cursor.Limit(limit);
        var rows = await reader.QueryAsync(connection, $"{where} AND (@after::uuid IS NULL OR c.id > @after) ORDER BY c.id LIMIT @take",
            new { structureId, caller.IdNat, filter.Type, filter.State, filter.Holder, filter.ExpiringBefore, after, take = take + 1 }, cancellationToken);
        // The query reads through caller_structures(): rows mean the caller acts for the structure. Only an
        // empty page needs the role read, to tell "nothing matches" from "not yours" (as the orders listing does).
        if (rows.Count == 0 && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Forbidden();
        }

        return TypedResults.Ok(rows.ToPage(take, c => c.Id));
    }

    private static IResult Forbidden() => Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");

    private static readonly string[] CsvColumns =
        ["id", "card_type", "serial", "state", "holder_id_nat", "holder_nom", "holder_prenom", "profession", "valid_from", "valid_until", "opposed_at", "opposition_reason"];

    /// <summary>Streams the selection as CSV (RFC 4180) while it is read: memory stays flat whatever the parc's size.</summary>
    private static async Task WriteCsvAsync(HttpContext http, CardReader reader, NpgsqlConnection connection, string where, object parameters, CancellationToken cancellationToken)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"parc.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
        await writer.WriteAsync(string.Join(',', CsvColumns) + "\r\n");
        var line = new StringBuilder(256);
        await foreach (var row in reader.StreamAsync(connection, where, parameters).WithCancellation(cancellationToken))
        {
            line.Clear();
            Append(line, row.Id.ToString()).Append(',');
            Append(line, row.CardType).Append(',');
            Append(line, row.Serial).Append(',');
            Append(line, row.State).Append(',');
            Append(line, row.HolderIdNat).Append(',');
            Append(line, row.HolderNom).Append(',');
            Append(line, row.HolderPrenom).Append(',');
            Append(line, row.Profession).Append(',');
            Append(line, Iso(row.ValidFrom)).Append(',');
            Append(line, Iso(row.ValidUntil)).Append(',');
            Append(line, row.OpposedAt is { } opposed ? Iso(opposed) : null).Append(',');
            Append(line, row.OppositionReason).Append("\r\n");
            await writer.WriteAsync(line, cancellationToken);
        }

        await writer.FlushAsync(cancellationToken);
    }

    private static string Iso(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static StringBuilder Append(StringBuilder line, string? value)
    {
        if (value is null)
        {
            return line;
        }

        // A field that a spreadsheet would read as a formula is prefixed with a quote (CSV injection).
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? line.Append('"').Append(value.Replace("\"", "\"\"")).Append('"') : line.Append(value);
    }

    private static async Task<IResult> Get(Guid cardId, HttpContext http, NpgsqlDataSource dataSource, CardReader reader, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var caller = http.Caller();
        if (!await VisibleAsync(connection, cardId, caller, cancellationToken))
        {
            http.AuditStructure(await OwningStructureAsync(connection, cardId, cancellationToken));
            return Problem.NotFound("card");
        }

        var card = (await reader.GetAsync(connection, cardId, cancellationToken))!;
        var etag = CardReader.ETag(card);
        http.Response.Headers.ETag = etag;
        if (CardReader.NoneMatch(http.Request.Headers.IfNoneMatch.ToString(), etag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(card);
    }

    /// <summary>A card is seen by its structure's legal representative and mandataires, its holder, and operators.</summary>
    private static Task<bool> VisibleAsync(NpgsqlConnection connection, Guid cardId, Caller caller, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM cards c JOIN persons p ON p.id = c.holder_id WHERE c.id = @cardId
                           AND (@IsOperator OR c.structure_id IN (SELECT structure_id FROM caller_structures(@IdNat)) OR p.id_nat = @IdNat))
            """, new { cardId, caller.IdNat, caller.IsOperator }, cancellationToken: cancellationToken));

    private static Task<Guid?> OwningStructureAsync(NpgsqlConnection connection, Guid cardId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<Guid?>(new CommandDefinition("SELECT structure_id FROM cards WHERE id = @cardId", new { cardId }, cancellationToken: cancellationToken));

    private sealed class ManagedCard
    {
        public Guid Id { get; set; }
        public Guid StructureId { get; set; }
        public string CardType { get; set; } = "";
        public string State { get; set; } = "";
        public Guid HolderId { get; set; }
        public string? Profession { get; set; }
        public DateTime ValidUntil { get; set; }
        public int Version { get; set; }
        public string Role { get; set; } = "";
    }

    /// <summary>
    /// The card, locked, when the caller manages its structure's parc; otherwise the refusal: 404 for a
    /// card the caller may not see, 428/412 for a missing or stale If-Match.
    /// </summary>
    private static async Task<(ManagedCard? Card, IResult? Refusal)> LoadForChangeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, HttpContext http, CardReader reader, Guid cardId, CancellationToken cancellationToken)
    {
        var caller = http.Caller();
        var card = await connection.QuerySingleOrDefaultAsync<ManagedCard>(new CommandDefinition(
            """
            SELECT c.id, c.structure_id, c.card_type, c.state, c.holder_id, c.profession, c.valid_until, c.version, r.role
            FROM cards c JOIN caller_structures(@IdNat) r ON r.structure_id = c.structure_id
            WHERE c.id = @cardId ORDER BY r.role LIMIT 1 FOR UPDATE OF c
            """, new { cardId, caller.IdNat }, transaction, cancellationToken: cancellationToken));
        if (card is null)
        {
            http.AuditStructure(await OwningStructureAsync(connection, cardId, cancellationToken));
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
        var current = CardReader.ETag((await reader.GetAsync(connection, cardId, cancellationToken))!);
        if (ifMatch != "*" && !ifMatch.Split(',').Select(t => t.Trim()).Contains(current))
        {
            return (null, Problem.Status(StatusCodes.Status412PreconditionFailed, ProblemTypes.PreconditionFailed, "The card has changed",
                "Read the card again and retry with its current ETag."));
        }

        return (card, null);
    }

    private static async Task<IResult> Oppose(
        Guid cardId, OppositionRequest request, HttpContext http, NpgsqlDataSource dataSource, CardReader reader, CancellationToken cancellationToken)
    {
        if (request.Reason is null || !OppositionReasons.Contains(request.Reason))
        {
            return new FieldErrors().Add("reason", $"must be one of {string.Join(", ", OppositionReasons)}.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (card, refusal) = await LoadForChangeAsync(connection, transaction, http, reader, cardId, cancellationToken);
        if (card is null)
        {
            return refusal!;
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

        var caller = http.Caller();
        await CardStore.OpposeAsync(connection, transaction, cardId, request.Reason, caller.IdNat, cancellationToken);
        await OrderStore.CancelRenewalsOfAsync(connection, transaction, cardId, caller.IdNat, cancellationToken);
        Guid? orderId = null;
        if (request.Replacement)
        {
            // Replacement after loss, theft, malfunction or non-receipt: new codes (seed 004 §5).
            orderId = await OrderStore.PlaceAsync(connection, transaction, new NewOrder(
                card.StructureId, card.CardType, "replacement", card.HolderId, card.Profession, null, "submitted", NewCodes: true,
                DateTime.UtcNow, card.Id, caller.IdNat, caller.CardSerial), cancellationToken);
        }

        await http.AuditAsync(connection, transaction, card.StructureId, $"card {cardId}", request.Reason + (orderId is null ? "" : $", replacement order {orderId}"));
        await transaction.CommitAsync(cancellationToken);
        var view = (await reader.GetAsync(connection, cardId, cancellationToken))!;
        http.Response.Headers.ETag = CardReader.ETag(view);
        return TypedResults.Ok(new CardChangeResponse(view, orderId));
    }

    private static async Task<IResult> Renew(Guid cardId, HttpContext http, NpgsqlDataSource dataSource, CardReader reader, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (card, refusal) = await LoadForChangeAsync(connection, transaction, http, reader, cardId, cancellationToken);
        if (card is null)
        {
            return refusal!;
        }

        if (card.State != "active")
        {
            return Problem.Conflict(ProblemTypes.CardStateConflict, "A card in opposition is replaced, not renewed",
                "Order its replacement with the opposition.");
        }

        var caller = http.Caller();
        var orderId = await CardRenewal.OrderAsync(connection, transaction,
            new RenewalOf(card.Id, card.StructureId, card.CardType, card.HolderId, card.Profession), caller.IdNat, caller.CardSerial, cancellationToken);
        if (orderId is null)
        {
            return Problem.Conflict(ProblemTypes.RenewalAlreadyOrdered, "A renewal of this card is already under way", "Follow it in the structure's orders.");
        }

        await http.AuditAsync(connection, transaction, card.StructureId, $"card {cardId}", $"renewal order {orderId}");
        await transaction.CommitAsync(cancellationToken);
        var view = (await reader.GetAsync(connection, cardId, cancellationToken))!;
        http.Response.Headers.ETag = CardReader.ETag(view);
        return TypedResults.Ok(new CardChangeResponse(view, orderId));
    }

    private static async Task<Results<Ok<Page<CardView>>, ProblemHttpResult>> Mine(
        string? cursor, int? limit, HttpContext http, NpgsqlDataSource dataSource, CardReader reader, CancellationToken cancellationToken)
    {
        if (!Cursor.TryDecode(cursor, out var after))
        {
            return new FieldErrors().Add("cursor", "is not a cursor this service issued.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var take = Cursor.Limit(limit);
        var rows = await reader.QueryAsync(connection, "WHERE p.id_nat = @IdNat AND (@after::uuid IS NULL OR c.id > @after) ORDER BY c.id LIMIT @take",
            new { http.Caller().IdNat, after, take = take + 1 }, cancellationToken);
        return TypedResults.Ok(rows.ToPage(take, c => c.Id));
    }
}
