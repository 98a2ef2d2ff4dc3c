namespace CpxTeleservice.Parc;

/// <summary>A card entering the parc: registered from the field (serial given) or issued from an order (serial given or allocated).</summary>
public sealed record NewCard(
    string CardType,
    string? Serial,
    Guid HolderId,
    Guid? StructureId,
    string? Profession,
    DateTime ValidFrom,
    DateTime ValidUntil,
    Guid? OrderId);
