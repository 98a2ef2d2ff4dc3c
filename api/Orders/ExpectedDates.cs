using CpxTeleservice.Domain;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Orders;

/// <summary>The delays of seed 004 §5, from configuration (Delays__CardWorkingDays, Delays__CodesWorkingHours).</summary>
public sealed class ExpectedDates(IOptions<DelaysOptions> options)
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private readonly int _cardDays = options.Value.CardWorkingDays;
    private readonly int _codesHours = options.Value.CodesWorkingHours;

    /// <summary>The card is produced within N working days of the complete dossier.</summary>
    public DateOnly? CardDate(DateTime? dossierCompleteAt, string? departement) =>
        dossierCompleteAt is { } complete
            ? WorkingDayCalendar.Default.AddWorkingDays(LocalDate(complete), _cardDays, WorkingDayCalendar.IsAlsaceMoselle(departement))
            : null;

    /// <summary>
    /// New codes are mailed within N working hours after the card is received; before it is, from
    /// the start of its expected day. A renewal keeps the old codes: no date.
    /// </summary>
    public DateOnly? CodesDate(bool newCodes, DateTime? cardReceivedAt, DateOnly? expectedCardDate, string? departement)
    {
        if (!newCodes)
        {
            return null;
        }

        DateTimeOffset? start = cardReceivedAt is { } received
            ? new DateTimeOffset(DateTime.SpecifyKind(received, DateTimeKind.Utc))
            : expectedCardDate is { } day
                ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), Paris.GetUtcOffset(day.ToDateTime(TimeOnly.MinValue)))
                : null;
        if (start is null)
        {
            return null;
        }

        var end = WorkingDayCalendar.Default.AddWorkingHours(start.Value, _codesHours, WorkingDayCalendar.IsAlsaceMoselle(departement), Paris);
        // Hours that run out exactly at a midnight were all spent on the working day before it: that is the date.
        var date = DateOnly.FromDateTime(end.DateTime);
        return _codesHours > 0 && end.TimeOfDay == TimeSpan.Zero ? date.AddDays(-1) : date;
    }

    private static DateOnly LocalDate(DateTime utc) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Paris));
}
