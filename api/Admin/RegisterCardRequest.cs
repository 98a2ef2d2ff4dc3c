namespace CpxTeleservice.Admin;

/// <summary>A card already in the field, as the operator registers it.</summary>
internal sealed record RegisterCardRequest(
    string? CardType,
    string? Serial,
    CardHolderInput? Holder,
    Guid? StructureId,
    string? Profession,
    DateTime? ValidFrom,
    DateTime? ValidUntil);
