using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>
/// The parc of a structure (seeds 000, 001, 004 §5): follow its cards, export them, put one in
/// opposition (out of service at once: its certificate fails authentication on the very next
/// request), order a replacement (new codes) or a renewal at expiry (codes kept).
/// </summary>
public static class CardsApi
{
    public static RouteGroupBuilder MapCardsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/structures/{structureId:guid}/cards", List).ReadAhead(ParcReadAhead.Page).WithName("ListStructureCards").WithTags("Parc")
            .WithSummary("The structure's parc, filtered, cursor-paginated; Accept: text/csv exports the same selection");
        var cards = api.MapGroup("/cards/{cardId:guid}").WithTags("Parc");
        cards.MapGet("", Get).ReadAhead(ParcReadAhead.Card).WithName("GetCard").WithSummary("One card with its certificates and history, with an ETag");
        cards.MapPost("/opposition", CardChanges.Oppose).WithName("OpposeCard").WithSummary("Put a card in opposition, optionally ordering its replacement");
        cards.MapPost("/renewal", CardChanges.Renew).WithName("RenewCard").WithSummary("Order the renewal of a card at expiry (codes kept)");
        api.MapGet("/me/cards", Mine).ReadAhead(ParcReadAhead.Mine).WithName("ListMyCards").WithTags("Me").WithSummary("The caller's own cards");
        return api;
    }

    private static async Task<IResult> List(
        Guid structureId, string? type, string? state, string? holder, DateTime? expiringBefore, PageRequest page, Caller caller,
        HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (FieldErrors.Filters(page, out var after, ("type", type, Problem.CardTypes), ("state", state, Problem.CardStates)) is { } invalid)
        {
            return invalid;
        }

        var filter = new CardFilter(type, state, holder, expiringBefore?.ToUniversalTime());
        await using var connection = dataSource.CreateConnection();
        if (ParcCsv.Wanted(http.Request))
        {
            await connection.OpenAsync(cancellationToken);
            await using var export = await ParcExport.OpenAsync(connection, structureId, caller.IdNat, filter, cancellationToken);
            if (export.IsEmpty && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
            {
                return Forbidden();
            }

            await ParcCsv.WriteAsync(http, export.RowsAsync(), http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ParcCsv)), cancellationToken);
            return Results.Empty;
        }

        // The page authentication read ahead with these very inputs, else the page read here.
        var rows = (await http.ReadAheadOrReadAsync<List<CardRow>>(ParcReadAhead.Page(structureId, caller.IdNat, filter, after, page.Fetch), dataSource, cancellationToken))
            .ConvertAll(r => r.ToView());
        // The query reads through caller_structures(): rows mean the caller acts for the structure. Only an
        // empty page needs the role read, to tell "nothing matches" from "not yours" (as the orders listing does).
        if (rows.Count == 0 && await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Forbidden();
        }

        return TypedResults.Ok(page.ToPage(rows, c => c.Id));
    }

    private static IResult Forbidden() => Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");

    /// <summary>A card is seen by its structure's legal representative and mandataires, its holder, and operators.</summary>
    private static async Task<IResult> Get(Guid cardId, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var seen = await http.ReadAheadOrReadAsync<ParcReadAhead.SeenCard>(ParcReadAhead.Card(cardId, caller.IdNat), dataSource, cancellationToken);
        if (seen.Card is not { } card || !(caller.IsOperator || seen.SeenByCaller))
        {
            http.AuditStructure(seen.Card?.StructureId);
            return Problem.NotFound("card");
        }

        var etag = CardETag.Of(card);
        http.Response.Headers.ETag = etag;
        if (CardETag.NoneMatch(http.Request.Headers.IfNoneMatch.ToString(), etag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(card);
    }

    /// <summary>The structure behind a card, for the audit of a refused access only: never shown to the caller.</summary>
    internal static Task<Guid?> OwningStructureAsync(NpgsqlConnection connection, Guid cardId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<Guid?>(new CommandDefinition("SELECT structure_id FROM cards WHERE id = @cardId", new { cardId }, cancellationToken: cancellationToken));

    private static async Task<Results<Ok<Page<CardView>>, ProblemHttpResult>> Mine(
        PageRequest page, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!page.TryAfter(out var after))
        {
            return new FieldErrors().Add("cursor", "is not a cursor this service issued.").ToProblem();
        }

        var rows = await http.ReadAheadOrReadAsync<List<CardRow>>(ParcReadAhead.Mine(caller.IdNat, after, page.Fetch), dataSource, cancellationToken);
        return TypedResults.Ok(page.ToPage(rows.ConvertAll(r => r.ToView()), c => c.Id));
    }
}
