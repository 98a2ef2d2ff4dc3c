using System.Globalization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.Extensions.Primitives;

namespace CpxTeleservice.Parc;

/// <summary>
/// The parc's reads that authentication makes in the registry check's round trip (<see cref="ReadAhead"/>): a
/// structure's page, the caller's own cards, one card. The request is read here as the endpoint's binding reads it; whatever is not plainly valid (a repeated or unknown
/// filter value, a date or cursor that does not parse) is left to the endpoint, which answers it as before. The key
/// holds every input of the read, so that a page read with anything else than what the endpoint asks is never used.
/// </summary>
internal static class ParcReadAhead
{
    internal sealed record PageKey(Guid StructureId, string CallerIdNat, CardFilter Filter, Guid? After, int Fetch);

    internal sealed record HolderKey(string HolderIdNat, Guid? After, int Fetch);

    internal sealed record CardKey(Guid CardId, string CallerIdNat);

    /// <summary>A card read ahead, and whether the caller sees it by a structure or as its holder (an operator sees every card).</summary>
    internal sealed record SeenCard(bool SeenByCaller, CardView? Card);

    /// <summary>Whether <c>@idNat</c> acts for card <c>@id</c>'s structure or holds it.</summary>
    internal const string SeenByCaller =
        """
        SELECT EXISTS (SELECT 1 FROM cards c JOIN persons p ON p.id = c.holder_id WHERE c.id = @id
                       AND (c.structure_id IN (SELECT structure_id FROM caller_structures(@idNat)) OR p.id_nat = @idNat))
        """;

    public static ReadAhead? Card(HttpContext http, string idNat) =>
        Guid.TryParse(http.GetRouteValue("cardId") as string, out var id)
            ? new ReadAhead(new CardKey(id, idNat), SeenByCaller + ";\n" + CardReader.CardWithHistory, new { id, idNat },
                async results => new SeenCard(await results.ReadSingleAsync<bool>(), await CardReader.ReadCardAsync(results)))
            : null;

    public static ReadAhead? Mine(HttpContext http, string idNat) =>
        PageOf(http) is { } page && page.TryAfter(out var after)
            ? new ReadAhead(new HolderKey(idNat, after, page.Fetch), CardReader.ForHolder(after, page.Fetch), new { holderIdNat = idNat, after }, ReadRowsAsync)
            : null;

    private static async Task<object> ReadRowsAsync(SqlMapper.GridReader results) => (await results.ReadAsync<CardRow>()).AsList();

    /// <summary>The paging as the endpoint binds it; null for a limit it would refuse.</summary>
    private static PageRequest? PageOf(HttpContext http)
    {
        try
        {
            return PageRequest.BindAsync(http).Result;
        }
        catch (BadHttpRequestException)
        {
            return null;
        }
    }

    public static ReadAhead? Page(HttpContext http, string idNat)
    {
        if (ParcCsv.Wanted(http.Request) || !Guid.TryParse(http.GetRouteValue("structureId") as string, out var structureId))
        {
            return null;
        }

        var query = http.Request.Query;
        if (!Single(query["type"], out var type) || !Single(query["state"], out var state) || !Single(query["holder"], out var holder)
            || !Single(query["expiringBefore"], out var expiring) || (type is not null && !Problem.CardTypes.Contains(type))
            || (state is not null && !Problem.CardStates.Contains(state)))
        {
            return null;
        }

        DateTime? expiringBefore = null;
        if (expiring is not null)
        {
            if (!DateTime.TryParse(expiring, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
            {
                return null;
            }

            expiringBefore = parsed.ToUniversalTime();
        }

        if (PageOf(http) is not { } page || !page.TryAfter(out var after))
        {
            return null;
        }

        var filter = new CardFilter(type, state, holder, expiringBefore);
        return new ReadAhead(new PageKey(structureId, idNat, filter, after, page.Fetch), CardReader.ForStructure(filter, after, page.Fetch),
            CardReader.PageParameters(structureId, idNat, filter, after), ReadRowsAsync);
    }

    /// <summary>A query value given at most once (absent: null); a repeated one is the endpoint's to answer.</summary>
    private static bool Single(StringValues values, out string? value)
    {
        value = values.Count == 1 ? values[0] : null;
        return values.Count <= 1;
    }
}
