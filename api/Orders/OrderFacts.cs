namespace CpxTeleservice.Orders;

/// <summary>What the rules need to know of an order a structure places.</summary>
internal sealed record OrderFacts(
    string CardType,
    bool HolderHealthProfessional,
    bool HolderIsLegalRepresentative,
    string? ProfessionCode,
    Profession? Profession,
    string? ModeExercice);
