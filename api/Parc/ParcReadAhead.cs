using System.Globalization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;

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

    public static ReadAhead? Card(HttpContext http, string idNat) => ReadAheadInputs.RouteGuid(http, "cardId") is { } id ? Card(id, idNat) : null;

    /// <summary>Card <paramref name="id"/> with its certificates and history, and whether <paramref name="idNat"/> sees it: one round trip.</summary>
    public static ReadAhead Card(Guid id, string idNat) =>
        new(new CardKey(id, idNat), SeenByCaller + ";\n" + CardReader.CardWithHistory, new { id, idNat },
            async results => new SeenCard(await results.ReadSingleAsync<bool>(), await CardReader.ReadCardAsync(results)));

    public static ReadAhead? Mine(HttpContext http, string idNat) =>
        ReadAheadInputs.PageOf(http) is ({ } page, var after) ? Mine(idNat, after, page.Fetch) : null;

    /// <summary>The cards <paramref name="idNat"/> holds, a page after <paramref name="after"/>.</summary>
    public static ReadAhead Mine(string idNat, Guid? after, int fetch) =>
        new(new HolderKey(idNat, after, fetch), CardReader.ForHolder(after, fetch), new { holderIdNat = idNat, after }, ReadRowsAsync);

    /// <summary>A structure's page of cards, through <paramref name="idNat"/>'s rights (empty for anyone else).</summary>
    public static ReadAhead Page(Guid structureId, string idNat, CardFilter filter, Guid? after, int fetch) =>
        new(new PageKey(structureId, idNat, filter, after, fetch), CardReader.ForStructure(filter, after, fetch),
            CardReader.PageParameters(structureId, idNat, filter, after), ReadRowsAsync);

    private static async Task<object> ReadRowsAsync(SqlMapper.GridReader results) => (await results.ReadAsync<CardRow>()).AsList();

    public static ReadAhead? Page(HttpContext http, string idNat)
    {
        if (ParcCsv.Wanted(http.Request) || ReadAheadInputs.RouteGuid(http, "structureId") is not { } structureId
            || !ReadAheadInputs.Single(http, "type", out var type, Problem.CardTypes) || !ReadAheadInputs.Single(http, "state", out var state, Problem.CardStates)
            || !ReadAheadInputs.Single(http, "holder", out var holder) || !ReadAheadInputs.Single(http, "expiringBefore", out var expiring))
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

        if (ReadAheadInputs.PageOf(http) is not ({ } page, var after))
        {
            return null;
        }

        return Page(structureId, idNat, new CardFilter(type, state, holder, expiringBefore), after, page.Fetch);
    }
}
