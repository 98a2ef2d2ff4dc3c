namespace CpxTeleservice.Parc;

/// <summary>A card after a change, and the order the change placed, if any.</summary>
internal sealed record CardChangeResponse(CardView Card, Guid? OrderId);
