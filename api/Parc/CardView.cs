namespace CpxTeleservice.Parc;

/// <summary>A card of the parc. <c>State</c> is active, opposition, or expired (an active card past its validity).</summary>
public sealed record CardView(
    Guid Id,
    string CardType,
    string Serial,
    string State,
    string HolderIdNat,
    string HolderNom,
    string HolderPrenom,
    Guid? StructureId,
    string? Profession,
    DateTime ValidFrom,
    DateTime ValidUntil,
    DateTime? OpposedAt,
    string? OppositionReason,
    Guid? OrderId,
    IReadOnlyList<CardCertificateView>? Certificates,
    IReadOnlyList<CardEventView>? History)
{
    public int Version { get; init; }
}
