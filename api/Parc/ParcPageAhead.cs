using System.Globalization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.Extensions.Primitives;

namespace CpxTeleservice.Parc;

/// <summary>
/// The parc listing's page, read by authentication in the registry check's round trip (<see cref="ReadAhead"/>).
/// The request is read here as the endpoint's binding reads it; whatever is not plainly valid (a repeated or unknown
/// filter value, a date or cursor that does not parse) is left to the endpoint, which answers it as before. The key
/// holds every input of the read, so that a page read with anything else than what the endpoint asks is never used.
/// </summary>
internal static class ParcPageAhead
{
    internal sealed record Key(Guid StructureId, string CallerIdNat, CardFilter Filter, Guid? After, int Fetch);

    public static ReadAhead? Plan(HttpContext http, string idNat)
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

        PageRequest page;
        try
        {
            page = PageRequest.BindAsync(http).Result!;
        }
        catch (BadHttpRequestException)
        {
            return null;
        }

        if (!page.TryAfter(out var after))
        {
            return null;
        }

        var filter = new CardFilter(type, state, holder, expiringBefore);
        return new ReadAhead(new Key(structureId, idNat, filter, after, page.Fetch), CardReader.ForStructure(filter, after, page.Fetch),
            CardReader.PageParameters(structureId, idNat, filter, after), async results => (await results.ReadAsync<CardRow>()).AsList());
    }

    /// <summary>A query value given at most once (absent: null); a repeated one is the endpoint's to answer.</summary>
    private static bool Single(StringValues values, out string? value)
    {
        value = values.Count == 1 ? values[0] : null;
        return values.Count <= 1;
    }
}
