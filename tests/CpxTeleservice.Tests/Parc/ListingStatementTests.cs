using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;

namespace CpxTeleservice.Tests.Parc;

/// <summary>
/// A listing's statement holds only what the request asks for (README, "Prepared statements and pooled
/// connections"): each filter's condition when it is set, the keyset bound after a cursor, the page size as a number.
/// </summary>
public class ListingStatementTests
{
    [Fact]
    public void A_parc_page_without_filters_or_cursor_has_no_optional_condition()
    {
        var sql = CardReader.ForStructure(new CardFilter(null, null, null, null), null, 51);
        Assert.DoesNotContain("IS NULL", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("@after", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("card_type =", sql, StringComparison.Ordinal);
        Assert.EndsWith("ORDER BY id LIMIT 51", sql.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_parc_filter_writes_its_own_condition_and_a_cursor_its_bound()
    {
        var sql = CardReader.ForStructure(new CardFilter("CPE", "active", "DUP", new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc)), Guid.NewGuid(), 11);
        Assert.Contains("AND card_type = @Type", sql, StringComparison.Ordinal);
        Assert.Contains("AND state = @State", sql, StringComparison.Ordinal);
        Assert.Contains("holder_nom ILIKE", sql, StringComparison.Ordinal);
        Assert.Contains("AND valid_until < @ExpiringBefore", sql, StringComparison.Ordinal);
        Assert.Contains("AND id > @after", sql, StringComparison.Ordinal);
        Assert.Contains("LIMIT 11", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void An_order_listing_writes_only_the_filters_it_is_given()
    {
        Assert.Equal("", new OrderFilter(null, null).Conditions());
        Assert.Equal(" AND state = @State AND card_type = @CardType AND structure_id = @StructureId", new OrderFilter("submitted", "CPS", Guid.NewGuid()).Conditions());
        Assert.DoesNotContain("IS NULL", OrderReader.ForStructure(new OrderFilter(null, "CPE"), Guid.NewGuid(), 51), StringComparison.Ordinal);
    }

    [Fact]
    public void A_page_size_is_written_as_a_positive_number_only()
    {
        Assert.Equal("LIMIT 501", Keyset.Limit(501));
        Assert.Throws<ArgumentOutOfRangeException>(() => Keyset.Limit(0));
        Assert.Equal("", Keyset.After(null));
        Assert.Equal("", Keyset.Before(null));
        Assert.Equal("AND id < @before", Keyset.Before(42));
    }
}
