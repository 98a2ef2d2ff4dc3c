using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace CpxTeleservice.Domain;

/// <summary>
/// French working days: Monday to Friday minus the public holidays of Code du travail L3133-1, plus
/// Good Friday and 26 December in Alsace-Moselle (57, 67, 68) (docs/domain.md, "Delays").
/// </summary>
public sealed class WorkingDayCalendar
{
    /// <summary>One shared calendar: holidays are law, not configuration.</summary>
    public static WorkingDayCalendar Default { get; } = new();

    private readonly ConcurrentDictionary<(int Year, bool AlsaceMoselle), FrozenSet<DateOnly>> _holidays = new();

    /// <summary>Easter Sunday by the Gregorian computus (anonymous algorithm, Meeus/Jones/Butcher).</summary>
    public static DateOnly EasterSunday(int year)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(year, 1583);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(year, 9999);

        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = (19 * a + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + 2 * e + 2 * i - h - k) % 7;
        var m = (a + 11 * h + 22 * l) / 451;
        var month = (h + l - 7 * m + 114) / 31;
        var day = (h + l - 7 * m + 114) % 31 + 1;
        return new DateOnly(year, month, day);
    }

    /// <summary>Alsace-Moselle keeps the local law holidays: Moselle, Bas-Rhin, Haut-Rhin.</summary>
    public static bool IsAlsaceMoselle(string? departement) => departement is "57" or "67" or "68";

    /// <summary>The public holidays of a year (L3133-1), with the Alsace-Moselle ones when asked.</summary>
    public IReadOnlySet<DateOnly> PublicHolidays(int year, bool alsaceMoselle) =>
        _holidays.GetOrAdd((year, alsaceMoselle), static key => ComputeHolidays(key.Year, key.AlsaceMoselle));

    public bool IsWorkingDay(DateOnly date, bool alsaceMoselle) =>
        date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)
        && !PublicHolidays(date.Year, alsaceMoselle).Contains(date);

    /// <summary>The date <paramref name="days"/> working days after <paramref name="start"/>; the start itself does not count.</summary>
    public DateOnly AddWorkingDays(DateOnly start, int days, bool alsaceMoselle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(days);

        var date = start;
        while (days > 0)
        {
            date = date.AddDays(1);
            if (IsWorkingDay(date, alsaceMoselle))
            {
                days--;
            }
        }

        return date;
    }

    /// <summary>
    /// The instant <paramref name="hours"/> working hours after <paramref name="start"/>, in <paramref name="zone"/>'s offset.
    /// </summary>
    public DateTimeOffset AddWorkingHours(DateTimeOffset start, int hours, bool alsaceMoselle, TimeZoneInfo zone)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hours);
        ArgumentNullException.ThrowIfNull(zone);

        // Only time elapsed on a working day (local midnight to midnight, all 24 hours) counts; time on a
        // weekend or holiday is skipped, so a start on one begins counting at the next working day's midnight.
        var remaining = TimeSpan.FromHours(hours);
        var cursor = start;
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, zone).DateTime);
        while (remaining > TimeSpan.Zero)
        {
            var nextMidnight = StartOfDay(date.AddDays(1), zone);
            if (IsWorkingDay(date, alsaceMoselle))
            {
                var available = nextMidnight - cursor;
                if (remaining <= available)
                {
                    cursor += remaining;
                    break;
                }

                remaining -= available;
            }

            cursor = nextMidnight;
            date = date.AddDays(1);
        }

        return TimeZoneInfo.ConvertTime(cursor, zone);
    }

    private static FrozenSet<DateOnly> ComputeHolidays(int year, bool alsaceMoselle)
    {
        var easter = EasterSunday(year);
        var days = new List<DateOnly>
        {
            new(year, 1, 1),
            easter.AddDays(1),   // Easter Monday
            new(year, 5, 1),
            new(year, 5, 8),
            easter.AddDays(39),  // Ascension
            easter.AddDays(50),  // Whit Monday
            new(year, 7, 14),
            new(year, 8, 15),
            new(year, 11, 1),
            new(year, 11, 11),
            new(year, 12, 25),
        };

        if (alsaceMoselle)
        {
            days.Add(easter.AddDays(-2)); // Good Friday
            days.Add(new DateOnly(year, 12, 26));
        }

        return days.ToFrozenSet();
    }

    /// <summary>The first instant of a local date; where midnight falls in a DST gap, the first valid time after it.</summary>
    private static DateTimeOffset StartOfDay(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        // An ambiguous midnight (clocks set back at 00:00) starts at its first occurrence: the larger offset.
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }
}
