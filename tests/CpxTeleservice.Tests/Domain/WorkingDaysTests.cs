using CpxTeleservice.Domain;

namespace CpxTeleservice.Tests.Domain;

// Expected dates were checked by hand and with an independent python3 computation
// (dateutil.easter and a separate working-day count).
public sealed class WorkingDaysTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    private readonly WorkingDayCalendar _calendar = new();

    [Theory]
    [InlineData(1583, 4, 10)]
    [InlineData(1818, 3, 22)] // earliest possible date
    [InlineData(1954, 4, 18)]
    [InlineData(2000, 4, 23)]
    [InlineData(2008, 3, 23)]
    [InlineData(2011, 4, 24)]
    [InlineData(2024, 3, 31)]
    [InlineData(2025, 4, 20)]
    [InlineData(2026, 4, 5)]
    [InlineData(2027, 3, 28)]
    [InlineData(2038, 4, 25)] // latest possible date
    [InlineData(2285, 3, 22)]
    [InlineData(9999, 3, 28)]
    public void EasterSunday_follows_the_Gregorian_computus(int year, int month, int day)
    {
        Assert.Equal(new DateOnly(year, month, day), WorkingDayCalendar.EasterSunday(year));
    }

    [Theory]
    [InlineData(1582)]
    [InlineData(10000)]
    public void EasterSunday_outside_the_Gregorian_range_is_refused(int year)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkingDayCalendar.EasterSunday(year));
    }

    [Fact]
    public void EasterMonday_2026_is_6_April() =>
        Assert.Contains(new DateOnly(2026, 4, 6), _calendar.PublicHolidays(2026, alsaceMoselle: false));

    [Fact]
    public void Ascension_2026_is_14_May() =>
        Assert.Contains(new DateOnly(2026, 5, 14), _calendar.PublicHolidays(2026, alsaceMoselle: false));

    [Fact]
    public void WhitMonday_2027_is_17_May() =>
        Assert.Contains(new DateOnly(2027, 5, 17), _calendar.PublicHolidays(2027, alsaceMoselle: false));

    [Fact]
    public void PublicHolidays_2026_are_the_eleven_of_L3133_1()
    {
        DateOnly[] expected =
        [
            new(2026, 1, 1), new(2026, 4, 6), new(2026, 5, 1), new(2026, 5, 8), new(2026, 5, 14), new(2026, 5, 25),
            new(2026, 7, 14), new(2026, 8, 15), new(2026, 11, 1), new(2026, 11, 11), new(2026, 12, 25),
        ];

        Assert.Equal(expected, _calendar.PublicHolidays(2026, alsaceMoselle: false).Order());
    }

    [Fact]
    public void PublicHolidays_in_Alsace_Moselle_add_Good_Friday_and_26_December()
    {
        var national = _calendar.PublicHolidays(2026, alsaceMoselle: false);
        var local = _calendar.PublicHolidays(2026, alsaceMoselle: true);

        Assert.Equal(13, local.Count);
        Assert.True(national.IsSubsetOf(local));
        Assert.Equal([new DateOnly(2026, 4, 3), new DateOnly(2026, 12, 26)], local.Except(national).Order());
    }

    [Fact]
    public void PublicHolidays_are_cached_per_year_and_region()
    {
        Assert.Same(_calendar.PublicHolidays(2026, false), _calendar.PublicHolidays(2026, false));
        Assert.NotSame(_calendar.PublicHolidays(2026, false), _calendar.PublicHolidays(2026, true));
    }

    [Fact]
    public void PublicHolidays_are_safe_to_compute_concurrently()
    {
        var sets = new IReadOnlySet<DateOnly>[64];
        Parallel.For(0, sets.Length, i => sets[i] = _calendar.PublicHolidays(2030, alsaceMoselle: i % 2 == 0));

        Assert.Equal(13, sets[0].Count);
        Assert.Equal(11, sets[1].Count);
        Assert.All(sets.Where((_, i) => i % 2 == 0), s => Assert.Same(sets[0], s));
        Assert.All(sets.Where((_, i) => i % 2 == 1), s => Assert.Same(sets[1], s));
    }

    [Theory]
    [InlineData("57", true)]
    [InlineData("67", true)]
    [InlineData("68", true)]
    [InlineData("75", false)]
    [InlineData("2A", false)]
    [InlineData("570", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsAlsaceMoselle_is_Moselle_Bas_Rhin_and_Haut_Rhin(string? departement, bool expected)
    {
        Assert.Equal(expected, WorkingDayCalendar.IsAlsaceMoselle(departement));
    }

    [Theory]
    [InlineData("2026-04-03", false, true)]  // Good Friday: a working day nationally
    [InlineData("2026-04-03", true, false)]  // ... but a holiday in Alsace-Moselle
    [InlineData("2025-12-26", false, true)]  // 26 December (a Friday in 2025)
    [InlineData("2025-12-26", true, false)]
    [InlineData("2026-04-06", false, false)] // Easter Monday
    [InlineData("2026-05-01", false, false)]
    [InlineData("2026-05-08", false, false)]
    [InlineData("2026-07-14", false, false)]
    [InlineData("2026-05-09", false, false)] // Saturday
    [InlineData("2026-05-10", false, false)] // Sunday
    [InlineData("2026-05-11", false, true)]  // Monday
    [InlineData("2026-05-15", false, true)]  // Friday after Ascension
    public void IsWorkingDay_is_Monday_to_Friday_except_public_holidays(string date, bool alsaceMoselle, bool expected)
    {
        Assert.Equal(expected, _calendar.IsWorkingDay(DateOnly.Parse(date), alsaceMoselle));
    }

    [Theory]
    // Thursday 30 April 2026: 1 May and 8 May (Fridays) and Ascension (14 May) are skipped.
    [InlineData("2026-04-30", 10, false, "2026-05-19")]
    [InlineData("2026-04-30", 10, true, "2026-05-19")]
    [InlineData("2026-05-06", 0, false, "2026-05-06")]   // zero days: the start itself
    [InlineData("2026-05-09", 0, false, "2026-05-09")]   // even on a Saturday
    [InlineData("2026-05-29", 1, false, "2026-06-01")]   // Friday → Monday: weekend skipped
    [InlineData("2026-05-30", 1, false, "2026-06-01")]   // from a Saturday, the start does not count
    [InlineData("2026-05-22", 1, false, "2026-05-26")]   // Whit Monday skipped
    [InlineData("2026-05-04", 5, false, "2026-05-12")]   // a week across 8 May
    [InlineData("2026-04-02", 1, false, "2026-04-03")]   // Good Friday works nationally
    [InlineData("2026-04-02", 1, true, "2026-04-07")]    // in Alsace-Moselle: Good Friday and Easter Monday skipped
    [InlineData("2025-12-24", 1, false, "2025-12-26")]
    [InlineData("2025-12-24", 1, true, "2025-12-29")]    // 26 December skipped in Alsace-Moselle
    [InlineData("2026-12-30", 2, false, "2027-01-04")]   // across the new year (1 Jan holiday, then a weekend)
    public void AddWorkingDays_counts_days_after_the_start(string start, int days, bool alsaceMoselle, string expected)
    {
        Assert.Equal(DateOnly.Parse(expected), _calendar.AddWorkingDays(DateOnly.Parse(start), days, alsaceMoselle));
    }

    [Fact]
    public void AddWorkingDays_refuses_a_negative_count()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _calendar.AddWorkingDays(new DateOnly(2026, 5, 4), -1, false));
    }

    [Theory]
    // 48 working hours after a receipt on Friday 10:00 land on Tuesday 10:00.
    [InlineData("2026-05-29T10:00:00+02:00", 48, false, "2026-06-02T10:00:00+02:00")]
    // Same across the spring DST change (Sunday 29 March 2026): still 10:00 local, now in summer time.
    [InlineData("2026-03-27T10:00:00+01:00", 48, false, "2026-03-31T10:00:00+02:00")]
    // And across the autumn one (Sunday 25 October 2026).
    [InlineData("2026-10-23T10:00:00+02:00", 48, false, "2026-10-27T10:00:00+01:00")]
    // Across a holiday: 8 May 2026 is a Friday.
    [InlineData("2026-05-07T10:00:00+02:00", 48, false, "2026-05-12T10:00:00+02:00")]
    // Across Good Friday and Easter Monday in Alsace-Moselle only.
    [InlineData("2026-04-02T10:00:00+02:00", 24, false, "2026-04-03T10:00:00+02:00")]
    [InlineData("2026-04-02T10:00:00+02:00", 24, true, "2026-04-07T10:00:00+02:00")]
    // Across 1 January.
    [InlineData("2025-12-31T12:00:00+01:00", 24, false, "2026-01-02T12:00:00+01:00")]
    // A start on a Saturday begins counting at Monday's midnight.
    [InlineData("2026-05-30T15:00:00+02:00", 10, false, "2026-06-01T10:00:00+02:00")]
    // The rest of a Friday ends at Saturday's midnight.
    [InlineData("2026-05-29T10:00:00+02:00", 14, false, "2026-05-30T00:00:00+02:00")]
    [InlineData("2026-05-29T10:00:00+02:00", 15, false, "2026-06-01T01:00:00+02:00")]
    // Zero hours: the start itself.
    [InlineData("2026-05-30T15:00:00+02:00", 0, false, "2026-05-30T15:00:00+02:00")]
    public void AddWorkingHours_counts_only_hours_of_working_days(string start, int hours, bool alsaceMoselle, string expected)
    {
        var result = _calendar.AddWorkingHours(DateTimeOffset.Parse(start), hours, alsaceMoselle, Paris);

        Assert.Equal(DateTimeOffset.Parse(expected), result);
        Assert.Equal(DateTimeOffset.Parse(expected).Offset, result.Offset);
    }

    [Fact]
    public void AddWorkingHours_reads_a_UTC_start_in_the_zone_and_answers_in_its_offset()
    {
        // 08:00 UTC on Friday 29 May 2026 is 10:00 in Paris.
        var result = _calendar.AddWorkingHours(new DateTimeOffset(2026, 5, 29, 8, 0, 0, TimeSpan.Zero), 48, false, Paris);

        Assert.Equal(new DateTimeOffset(2026, 6, 2, 10, 0, 0, TimeSpan.FromHours(2)), result);
        Assert.Equal(TimeSpan.FromHours(2), result.Offset);
    }

    [Fact]
    public void AddWorkingHours_uses_the_local_date_of_the_start()
    {
        // 23:00 UTC on Friday 29 May 2026 is already Saturday 01:00 in Paris: counting starts Monday.
        var result = _calendar.AddWorkingHours(new DateTimeOffset(2026, 5, 29, 23, 0, 0, TimeSpan.Zero), 1, false, Paris);

        Assert.Equal(new DateTimeOffset(2026, 6, 1, 1, 0, 0, TimeSpan.FromHours(2)), result);
    }

    [Fact]
    public void AddWorkingHours_refuses_a_negative_count()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => _calendar.AddWorkingHours(new DateTimeOffset(2026, 5, 29, 10, 0, 0, TimeSpan.FromHours(2)), -1, false, Paris));
    }
}
