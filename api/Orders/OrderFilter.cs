namespace CpxTeleservice.Orders;

/// <summary>The filters of an order listing; null means any.</summary>
public sealed record OrderFilter(string? State, string? CardType, Guid? StructureId = null)
{
    /// <summary>
    /// The conditions of the filters that are set, over <c>order_rows</c>, each <c>AND</c>-prefixed: each
    /// combination is its own prepared statement with a generic plan as good as a custom one (CardFilter.Conditions).
    /// </summary>
    public string Conditions() => string.Concat(
        State is null ? "" : " AND state = @State",
        CardType is null ? "" : " AND card_type = @CardType",
        StructureId is null ? "" : " AND structure_id = @StructureId");
}
