namespace CpxTeleservice.Parc;

/// <summary>The automatic renewal of CPS and CDE cards before expiry.</summary>
public sealed class RenewalOptions
{
    public const string Section = "Renewal";

    public bool Enabled { get; set; } = true;

    /// <summary>A CPS or CDE card gets its renewal order this many days before expiry.</summary>
    public int WindowDays { get; set; } = 90;

    /// <summary>How often the renewal pass runs.</summary>
    public int IntervalSeconds { get; set; } = 3600;

    internal static IEnumerable<string> Errors(RenewalOptions o)
    {
        if (o.WindowDays is < 1 or > 3650)
        {
            yield return "Renewal__WindowDays must be between 1 and 3650 days.";
        }

        if (o.IntervalSeconds is < 1 or > 7 * 24 * 3600)
        {
            yield return "Renewal__IntervalSeconds must be between 1 and 604800 seconds.";
        }
    }
}
