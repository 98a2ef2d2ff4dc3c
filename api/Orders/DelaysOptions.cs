namespace CpxTeleservice.Orders;

/// <summary>The production delays of seed 004 §5, from which orders show their expected dates.</summary>
public sealed class DelaysOptions
{
    public const string Section = "Delays";

    /// <summary>A card is produced within this many working days of the complete dossier.</summary>
    public int CardWorkingDays { get; set; } = 10;

    /// <summary>The codes are mailed within this many working hours after the card is received.</summary>
    public int CodesWorkingHours { get; set; } = 48;

    internal static IEnumerable<string> Errors(DelaysOptions o)
    {
        if (o.CardWorkingDays is < 0 or > 365)
        {
            yield return "Delays__CardWorkingDays must be between 0 and 365 working days.";
        }

        if (o.CodesWorkingHours is < 0 or > 24 * 365)
        {
            yield return "Delays__CodesWorkingHours must be between 0 and 8760 working hours.";
        }
    }
}
