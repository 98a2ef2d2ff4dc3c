using CpxTeleservice.Orders;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Tests.Domain;

/// <summary>Seed 004 §5: the card within 10 working days of the complete dossier, the codes 48 working hours after the card is received.</summary>
public class ExpectedDatesTests
{
    private static ExpectedDates Dates(int days = 10, int hours = 48) =>
        new(Options.Create(new DelaysOptions { CardWorkingDays = days, CodesWorkingHours = hours }));

    [Fact]
    public void Expected_card_date_is_10_working_days_after_the_complete_dossier_across_May_holidays()
    {
        // Thursday 30 April 2026 (Paris): 1 May, 8 May and Ascension (14 May) are skipped.
        Assert.Equal(new DateOnly(2026, 5, 19), Dates().CardDate(new DateTime(2026, 4, 30, 10, 0, 0, DateTimeKind.Utc), "75"));
    }

    [Fact]
    public void Expected_card_date_in_Alsace_Moselle_skips_Good_Friday()
    {
        // Thursday 26 March 2026 + 10 working days. Paris skips Easter Monday (6 April) only: Friday 10 April.
        // Moselle also skips Good Friday (3 April): Monday 13 April.
        Assert.Equal(new DateOnly(2026, 4, 13), Dates().CardDate(new DateTime(2026, 3, 26, 9, 0, 0, DateTimeKind.Utc), "57"));
        Assert.Equal(new DateOnly(2026, 4, 10), Dates().CardDate(new DateTime(2026, 3, 26, 9, 0, 0, DateTimeKind.Utc), "75"));
    }

    [Fact]
    public void Complete_dossier_date_is_read_in_Paris_time()
    {
        // 23:30 UTC on Friday 2 January 2026 is already Saturday 3 January in Paris.
        Assert.Equal(new DateOnly(2026, 1, 16), Dates().CardDate(new DateTime(2026, 1, 2, 23, 30, 0, DateTimeKind.Utc), null));
        Assert.Equal(new DateOnly(2026, 1, 16), Dates().CardDate(new DateTime(2026, 1, 3, 9, 0, 0, DateTimeKind.Utc), null));
    }

    [Fact]
    public void Codes_48_working_hours_after_the_card_is_received_across_a_weekend()
    {
        // Received Friday 5 June 2026 at 10:00 Paris (08:00 UTC): Tuesday 9 June.
        Assert.Equal(new DateOnly(2026, 6, 9), Dates().CodesDate(true, new DateTime(2026, 6, 5, 8, 0, 0, DateTimeKind.Utc), null, "75"));
    }

    [Fact]
    public void Renewal_keeps_the_codes_so_has_no_codes_date()
    {
        Assert.Null(Dates().CodesDate(false, new DateTime(2026, 6, 5, 8, 0, 0, DateTimeKind.Utc), null, "75"));
    }

    [Fact]
    public void Delays_come_from_configuration()
    {
        Assert.Equal(new DateOnly(2026, 5, 4), Dates(days: 1).CardDate(new DateTime(2026, 4, 30, 10, 0, 0, DateTimeKind.Utc), "75"));
    }

    /// <summary>
    /// The codes date is the day the 48th working hour ends: hours that run out exactly at a midnight
    /// end on the working day before it, never on the (weekend) day after.
    /// </summary>
    [Theory]
    [InlineData("received on a Sunday: Monday and Tuesday count", "2026-06-07T08:00:00Z", "75", "2026-06-09")]
    [InlineData("received at midnight starting a Monday", "2026-06-07T22:00:00Z", "75", "2026-06-09")]
    [InlineData("received on 14 July 2027 (a Wednesday holiday): Thursday and Friday count", "2027-07-14T08:00:00Z", "75", "2027-07-16")]
    [InlineData("received on 1 May 2026 (a Friday holiday)", "2026-05-01T08:00:00Z", "75", "2026-05-05")]
    [InlineData("received on a Friday at 18:00: 6 hours, Monday, then 18 hours of Tuesday", "2026-06-05T16:00:00Z", "75", "2026-06-09")]
    [InlineData("received at the start of Good Friday 2026 in Paris: Friday and Tuesday count", "2026-04-02T22:00:00Z", "75", "2026-04-07")]
    [InlineData("received at the start of Good Friday 2026 in Moselle: a holiday there", "2026-04-02T22:00:00Z", "57", "2026-04-08")]
    [InlineData("received on Christmas 2025 in Paris: 26 December and Monday count", "2025-12-25T09:00:00Z", "75", "2025-12-29")]
    [InlineData("received on Christmas 2025 in Bas-Rhin: 26 December is a holiday there", "2025-12-25T09:00:00Z", "67", "2025-12-30")]
    public void Codes_date_is_the_day_the_last_working_hour_ends(string why, string receivedUtc, string departement, string expected)
    {
        var received = DateTime.Parse(receivedUtc, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.True(DateOnly.Parse(expected) == Dates().CodesDate(true, received, null, departement), why);
    }

    [Fact]
    public void Codes_date_before_receipt_of_a_card_due_on_a_Thursday_is_the_Friday_not_the_Saturday()
    {
        Assert.Equal(new DateOnly(2026, 6, 12), Dates().CodesDate(true, null, new DateOnly(2026, 6, 11), "75"));
    }
}
