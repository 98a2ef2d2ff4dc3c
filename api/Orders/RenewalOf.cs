namespace CpxTeleservice.Orders;

/// <summary>The card a renewal order replaces, as the order copies it.</summary>
public sealed record RenewalOf(Guid CardId, Guid? StructureId, string CardType, Guid HolderId, string? Profession);
