namespace CpxTeleservice.Departures;

/// <summary>A card a departure put in opposition.</summary>
public sealed record DepartureCard(Guid Id, string Serial, string CardType);
