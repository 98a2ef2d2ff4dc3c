namespace CpxTeleservice.Me;

/// <summary>Who is calling: the card that authenticated the request and what it may act for.</summary>
internal sealed record MeResponse(
    string IdNat,
    string CardType,
    string CardSerial,
    string? Profession,
    string? Nom,
    string? Prenom,
    bool Operator,
    IReadOnlyList<StructureRole> Structures);
