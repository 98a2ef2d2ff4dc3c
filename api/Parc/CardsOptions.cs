namespace CpxTeleservice.Parc;

/// <summary>The cards the service issues from orders.</summary>
public sealed class CardsOptions
{
    public const string Section = "Cards";

    /// <summary>Validity of a card issued by the card-shipped event when it carries none.</summary>
    public int ValidityYears { get; set; } = 3;

    internal static IEnumerable<string> Errors(CardsOptions o)
    {
        if (o.ValidityYears is < 1 or > 20)
        {
            yield return "Cards__ValidityYears must be between 1 and 20 years.";
        }
    }
}
