using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;

namespace CpxTeleservice.Orders;

/// <summary>
/// The order reads that authentication makes in the registry check's round trip (<see cref="ReadAhead"/>): a
/// structure's page, the caller's own orders, one order. Whatever is not plainly valid is left to the endpoint
/// (<see cref="ReadAheadInputs"/>); the key holds every input of the read.
/// </summary>
internal static class OrdersReadAhead
{
    internal sealed record PageKey(Guid StructureId, string CallerIdNat, OrderFilter Filter, Guid? After, int Fetch);

    internal sealed record HolderKey(string HolderIdNat, Guid? After, int Fetch);

    internal sealed record OrderKey(Guid OrderId, string CallerIdNat);

    /// <summary>An order read ahead, and whether the caller sees it by a structure or as its holder (an operator sees every order).</summary>
    internal sealed record SeenOrder(bool SeenByCaller, OrderRow? Row, List<OrderEventView> History);

    /// <summary>Whether <c>@idNat</c> acts for order <c>@id</c>'s structure or is its holder.</summary>
    private const string SeenByCaller =
        """
        SELECT EXISTS (SELECT 1 FROM orders o JOIN persons p ON p.id = o.holder_id WHERE o.id = @id
                       AND (o.structure_id IN (SELECT structure_id FROM caller_structures(@idNat)) OR p.id_nat = @idNat))
        """;

    public static ReadAhead? Order(HttpContext http, string idNat) => ReadAheadInputs.RouteGuid(http, "orderId") is { } id ? Order(id, idNat) : null;

    /// <summary>Order <paramref name="id"/> with its history, and whether <paramref name="idNat"/> sees it: one round trip.</summary>
    public static ReadAhead Order(Guid id, string idNat) =>
        new(new OrderKey(id, idNat), SeenByCaller + ";\n" + OrderReader.ReadBack, new { id, idNat }, async results =>
        {
            var seen = await results.ReadSingleAsync<bool>();
            var (row, history) = await OrderReader.ReadRowAsync(results);
            return new SeenOrder(seen, row, history);
        });

    public static ReadAhead? Page(HttpContext http, string idNat)
    {
        if (ReadAheadInputs.RouteGuid(http, "structureId") is not { } structureId
            || !ReadAheadInputs.Single(http, "state", out var state, Problem.OrderStates) || !ReadAheadInputs.Single(http, "cardType", out var cardType, Problem.CardTypes)
            || ReadAheadInputs.PageOf(http) is not ({ } page, var after))
        {
            return null;
        }

        return Page(structureId, idNat, new OrderFilter(state, cardType), after, page.Fetch);
    }

    /// <summary>A structure's page of orders, through <paramref name="idNat"/>'s rights (empty for anyone else).</summary>
    public static ReadAhead Page(Guid structureId, string idNat, OrderFilter filter, Guid? after, int fetch) =>
        new(new PageKey(structureId, idNat, filter, after, fetch), OrderReader.ForStructure(filter, after, fetch),
            OrderReader.PageParameters(structureId, idNat, filter, after), ReadRowsAsync);

    public static ReadAhead? Mine(HttpContext http, string idNat) =>
        ReadAheadInputs.PageOf(http) is ({ } page, var after) ? Mine(idNat, after, page.Fetch) : null;

    /// <summary>The orders of <paramref name="idNat"/>'s holder, wherever placed, a page after <paramref name="after"/>.</summary>
    public static ReadAhead Mine(string idNat, Guid? after, int fetch) =>
        new(new HolderKey(idNat, after, fetch), OrderReader.ForHolder(after, fetch), new { holderIdNat = idNat, after }, ReadRowsAsync);

    private static async Task<object> ReadRowsAsync(SqlMapper.GridReader results) => (await results.ReadAsync<OrderRow>()).AsList();
}
