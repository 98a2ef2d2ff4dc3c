namespace CpxTeleservice.Parc;

/// <summary>The filters of a parc listing; the CSV export applies the same selection.</summary>
public sealed record CardFilter(string? Type, string? State, string? Holder, DateTime? ExpiringBefore)
{
    /// <summary>
    /// The conditions of the filters that are set, over <c>card_rows</c>, each <c>AND</c>-prefixed, its
    /// parameter named after the property. Only what is asked for is written: each combination is its own
    /// prepared statement, whose generic plan is estimated as well as a custom one, so that PostgreSQL
    /// plans it once instead of re-planning an <c>(@x IS NULL OR …)</c> form on every request.
    /// </summary>
    public string Conditions() => string.Concat(
        Type is null ? "" : " AND card_type = @Type",
        State is null ? "" : " AND state = @State",
        Holder is null ? "" : @" AND (holder_id_nat = @Holder OR holder_nom ILIKE replace(replace(replace(@Holder, '\', '\\'), '%', '\%'), '_', '\_') || '%')",
        ExpiringBefore is null ? "" : " AND valid_until < @ExpiringBefore");
}
