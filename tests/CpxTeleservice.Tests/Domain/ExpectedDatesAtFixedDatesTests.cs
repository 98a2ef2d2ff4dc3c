using System.Globalization;
using CpxTeleservice.Domain;
using CpxTeleservice.Orders;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Tests.Domain;

/// <summary>
/// Expected dates at fixed dates of 2025–2027 (seed 004 §5: the card 10 working days after the complete
/// dossier, the codes 48 working hours after the card is received): every public holiday, the
/// Alsace-Moselle ones, weekends, cards received outside working hours, orders placed on the eve of a holiday.
/// </summary>
public class ExpectedDatesAtFixedDatesTests
{
    private static readonly WorkingDayCalendar Calendar = WorkingDayCalendar.Default;

    private static ExpectedDates Dates() =>
        new(Options.Create(new DelaysOptions { CardWorkingDays = 10, CodesWorkingHours = 48 }));

    private static DateOnly Day(string value) => DateOnly.Parse(value, CultureInfo.InvariantCulture);

    private static DateTime Utc(string value) =>
        DateTime.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    /// <summary>The eleven holidays of Code du travail L3133-1 for 2025, 2026 and 2027.</summary>
    public static TheoryData<string, string> NationalHolidays() => new()
    {
        { "1 January 2025", "2025-01-01" }, { "Easter Monday 2025", "2025-04-21" }, { "1 May 2025", "2025-05-01" }, { "8 May 2025", "2025-05-08" },
        { "Ascension 2025", "2025-05-29" }, { "Whit Monday 2025", "2025-06-09" }, { "14 July 2025", "2025-07-14" }, { "15 August 2025", "2025-08-15" },
        { "1 November 2025", "2025-11-01" }, { "11 November 2025", "2025-11-11" }, { "25 December 2025", "2025-12-25" },
        { "1 January 2026", "2026-01-01" }, { "Easter Monday 2026", "2026-04-06" }, { "1 May 2026", "2026-05-01" }, { "8 May 2026", "2026-05-08" },
        { "Ascension 2026", "2026-05-14" }, { "Whit Monday 2026", "2026-05-25" }, { "14 July 2026", "2026-07-14" }, { "15 August 2026", "2026-08-15" },
        { "1 November 2026", "2026-11-01" }, { "11 November 2026", "2026-11-11" }, { "25 December 2026", "2026-12-25" },
        { "1 January 2027", "2027-01-01" }, { "Easter Monday 2027", "2027-03-29" }, { "1 May 2027", "2027-05-01" }, { "8 May 2027", "2027-05-08" },
        { "Ascension 2027", "2027-05-06" }, { "Whit Monday 2027", "2027-05-17" }, { "14 July 2027", "2027-07-14" }, { "15 August 2027", "2027-08-15" },
        { "1 November 2027", "2027-11-01" }, { "11 November 2027", "2027-11-11" }, { "25 December 2027", "2027-12-25" },
    };

    [Theory]
    [MemberData(nameof(NationalHolidays))]
    public void Every_public_holiday_of_2025_to_2027_is_not_a_working_day_anywhere_and_is_skipped_by_the_count(string holiday, string date)
    {
        var day = Day(date);
        Assert.True(Calendar.PublicHolidays(day.Year, alsaceMoselle: false).Contains(day), holiday);
        Assert.True(Calendar.PublicHolidays(day.Year, alsaceMoselle: true).Contains(day), holiday);
        Assert.False(Calendar.IsWorkingDay(day, alsaceMoselle: false), holiday);
        Assert.False(Calendar.IsWorkingDay(day, alsaceMoselle: true), holiday);
        // One working day after the day before it is never the holiday itself.
        Assert.True(Calendar.AddWorkingDays(day.AddDays(-1), 1, alsaceMoselle: false) > day, holiday);
    }

    [Theory]
    [InlineData(2025)]
    [InlineData(2026)]
    [InlineData(2027)]
    public void Public_holidays_of_2025_to_2027_are_exactly_the_eleven_of_L3133_1_and_two_more_in_Alsace_Moselle(int year)
    {
        var expected = NationalHolidays().Select(row => Day((string)row[1])).Where(d => d.Year == year).ToHashSet();
        Assert.Equal(11, expected.Count);
        Assert.True(expected.SetEquals(Calendar.PublicHolidays(year, alsaceMoselle: false)));
        Assert.Equal(13, Calendar.PublicHolidays(year, alsaceMoselle: true).Count);
        Assert.True(Calendar.PublicHolidays(year, alsaceMoselle: true).IsSupersetOf(expected));
    }

    [Theory]
    [InlineData("Good Friday 2025, a Friday", "2025-04-18", true)]
    [InlineData("26 December 2025, a Friday", "2025-12-26", true)]
    [InlineData("Good Friday 2026, a Friday", "2026-04-03", true)]
    [InlineData("26 December 2026, a Saturday anyway", "2026-12-26", false)]
    [InlineData("Good Friday 2027, a Friday", "2027-03-26", true)]
    [InlineData("26 December 2027, a Sunday anyway", "2027-12-26", false)]
    public void Alsace_Moselle_Good_Friday_and_26_December_are_holidays_in_57_67_68_only(string why, string date, bool workingElsewhere)
    {
        var day = Day(date);
        Assert.True(Calendar.PublicHolidays(day.Year, alsaceMoselle: true).Contains(day), why);
        Assert.False(Calendar.PublicHolidays(day.Year, alsaceMoselle: false).Contains(day), why);
        Assert.False(Calendar.IsWorkingDay(day, alsaceMoselle: true), why);
        Assert.Equal(workingElsewhere, Calendar.IsWorkingDay(day, alsaceMoselle: false));
    }

    [Theory]
    [InlineData("2025-01-04", "2025-01-06")]
    [InlineData("2025-01-05", "2025-01-06")]
    [InlineData("2025-11-01", "2025-11-03")] // a holiday on a Saturday
    [InlineData("2026-02-28", "2026-03-02")]
    [InlineData("2026-03-01", "2026-03-02")]
    [InlineData("2026-11-01", "2026-11-02")] // a holiday on a Sunday
    [InlineData("2027-05-08", "2027-05-10")] // a holiday on a Saturday
    [InlineData("2027-10-31", "2027-11-02")] // the Monday after is 1 November
    public void Saturdays_and_Sundays_are_not_working_days(string date, string nextWorkingDay)
    {
        var day = Day(date);
        Assert.True(day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        Assert.False(Calendar.IsWorkingDay(day, alsaceMoselle: false));
        Assert.False(Calendar.IsWorkingDay(day, alsaceMoselle: true));
        Assert.Equal(Day(nextWorkingDay), Calendar.AddWorkingDays(day, 1, alsaceMoselle: false));
    }

    /// <summary>
    /// The dossier complete (an order placed that needs no visa, or the ARS visa of an ADELI CPS) on the
    /// eve of a holiday, read in Paris: the start day does not count, nor the holiday after it.
    /// </summary>
    [Theory]
    [InlineData("eve of 1 May 2025 (Wednesday 16:00 Paris)", "2025-04-30T14:00:00Z", "75", "2025-05-16")]
    [InlineData("eve of Ascension 2025", "2025-05-28T14:00:00Z", "75", "2025-06-13")]
    [InlineData("eve of 15 August 2025 (a Thursday)", "2025-08-14T14:00:00Z", "75", "2025-08-29")]
    [InlineData("eve of 11 November 2025 (a Monday)", "2025-11-10T15:00:00Z", "75", "2025-11-25")]
    [InlineData("eve of Christmas 2025 in Paris", "2025-12-24T15:00:00Z", "75", "2026-01-09")]
    [InlineData("eve of Christmas 2025 in Bas-Rhin: 26 December is a holiday too", "2025-12-24T15:00:00Z", "67", "2026-01-12")]
    [InlineData("eve of 1 January 2026", "2025-12-31T15:00:00Z", "75", "2026-01-15")]
    [InlineData("eve of 14 July 2026 (a Monday)", "2026-07-13T14:00:00Z", "75", "2026-07-28")]
    [InlineData("eve of 11 November 2026", "2026-11-10T15:00:00Z", "75", "2026-11-25")]
    [InlineData("eve of Christmas 2026 in Paris", "2026-12-24T15:00:00Z", "75", "2027-01-11")]
    [InlineData("eve of Christmas 2026 in Moselle: 26 December is a Saturday", "2026-12-24T15:00:00Z", "57", "2027-01-11")]
    [InlineData("eve of Good Friday 2027 in Paris: only Easter Monday skipped", "2027-03-25T15:00:00Z", "75", "2027-04-09")]
    [InlineData("eve of Good Friday 2027 in Moselle: Good Friday and Easter Monday skipped", "2027-03-25T15:00:00Z", "57", "2027-04-12")]
    [InlineData("eve of Ascension 2027", "2027-05-05T14:00:00Z", "75", "2027-05-21")]
    [InlineData("eve of 14 July 2027 at 16:00 Paris", "2027-07-13T14:00:00Z", "75", "2027-07-28")]
    [InlineData("eve of 14 July 2027 at 23:59 Paris", "2027-07-13T21:59:00Z", "75", "2027-07-28")]
    [InlineData("14 July 2027 at 00:30 Paris (still the 13th in UTC): the holiday itself", "2027-07-13T22:30:00Z", "75", "2027-07-28")]
    [InlineData("eve of 1 November 2027 (a Friday)", "2027-10-29T14:00:00Z", "75", "2027-11-16")]
    [InlineData("eve of 11 November 2027", "2027-11-10T15:00:00Z", "75", "2027-11-25")]
    [InlineData("eve of Christmas 2027 in Paris", "2027-12-24T15:00:00Z", "75", "2028-01-07")]
    [InlineData("eve of Christmas 2027 in Haut-Rhin: 26 December is a Sunday", "2027-12-24T15:00:00Z", "68", "2028-01-07")]
    public void Card_date_of_a_dossier_complete_on_the_eve_of_a_holiday_skips_the_holiday(string why, string completeUtc, string departement, string expected)
    {
        Assert.True(Day(expected) == Dates().CardDate(Utc(completeUtc), departement), why);
    }

    /// <summary>
    /// A card received outside working hours (at night, on a weekend, on a holiday, on the evening before
    /// one): only time on a working day counts, all 24 hours of it in Paris; time on a weekend or holiday
    /// counts from the next working day's midnight (openapi.yaml, "Expected dates").
    /// </summary>
    [Theory]
    [InlineData("Friday 23:30: 30 minutes, Monday, then 23.5 hours of Tuesday", "2026-06-05T21:30:00Z", "75", "2026-06-09")]
    [InlineData("Monday 02:00, before the office opens: 22 hours, Tuesday, 2 hours of Wednesday", "2026-06-08T00:00:00Z", "75", "2026-06-10")]
    [InlineData("Saturday 10:00: Monday and Tuesday", "2026-06-06T08:00:00Z", "75", "2026-06-09")]
    [InlineData("Sunday 23:59: Monday and Tuesday", "2026-06-07T21:59:00Z", "75", "2026-06-09")]
    [InlineData("Saturday 22:00 before the change to summer time: Monday and Tuesday", "2025-03-29T21:00:00Z", "75", "2025-04-01")]
    [InlineData("14 July 2027 at 10:00, a Wednesday holiday: Thursday and Friday", "2027-07-14T08:00:00Z", "75", "2027-07-16")]
    [InlineData("eve of 14 July 2027 at 16:00: 8 hours, Thursday, 16 hours of Friday", "2027-07-13T14:00:00Z", "75", "2027-07-16")]
    [InlineData("eve of 14 July 2027 at 20:00: 4 hours, Thursday, 20 hours of Friday", "2027-07-13T18:00:00Z", "75", "2027-07-16")]
    [InlineData("eve of 15 August 2025 at 21:00: 3 hours, Monday, 21 hours of Tuesday", "2025-08-14T19:00:00Z", "75", "2025-08-19")]
    [InlineData("eve of 11 November 2025 at 22:30: 1.5 hours, Wednesday, 22.5 hours of Thursday", "2025-11-10T21:30:00Z", "75", "2025-11-13")]
    [InlineData("eve of Ascension 2027 at 23:00: 1 hour, Friday, 23 hours of Monday", "2027-05-05T21:00:00Z", "75", "2027-05-10")]
    [InlineData("at the first instant of 1 May 2026 (a Friday holiday): Monday and Tuesday", "2026-04-30T22:00:00Z", "75", "2026-05-05")]
    [InlineData("31 December 2026 at 22:00: 2 hours, Monday 4 January, 22 hours of Tuesday", "2026-12-31T21:00:00Z", "75", "2027-01-05")]
    [InlineData("eve of Good Friday 2027 at 10:00 in Paris: Good Friday counts", "2027-03-25T09:00:00Z", "75", "2027-03-30")]
    [InlineData("eve of Good Friday 2027 at 10:00 in Moselle: Good Friday does not", "2027-03-25T09:00:00Z", "57", "2027-03-31")]
    [InlineData("Christmas Eve 2025 at 19:00 in Paris: 26 December counts", "2025-12-24T18:00:00Z", "75", "2025-12-29")]
    [InlineData("Christmas Eve 2025 at 19:00 in Haut-Rhin: 26 December does not", "2025-12-24T18:00:00Z", "68", "2025-12-30")]
    public void Codes_date_of_a_card_received_outside_working_hours(string why, string receivedUtc, string departement, string expected)
    {
        Assert.True(Day(expected) == Dates().CodesDate(true, Utc(receivedUtc), null, departement), why);
    }
}
