namespace CpxTeleservice.Orders;

/// <summary>A new order row, whoever creates it: a structure, an opposition's replacement, a renewal, the Ordre intake.</summary>
public sealed record NewOrder(
    Guid? StructureId,
    string CardType,
    string Kind,
    Guid HolderId,
    string? Profession,
    string? ModeExercice,
    string State,
    bool NewCodes,
    DateTime? DossierCompleteAt,
    Guid? ReplacesCardId,
    string? PlacedByIdNat,
    string? PlacedByCardSerial);
