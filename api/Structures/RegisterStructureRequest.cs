namespace CpxTeleservice.Structures;

/// <summary>A structure as the operator records it from the paper contract.</summary>
internal sealed record RegisterStructureRequest(
    string? Finess,
    string? Siret,
    string? RaisonSociale,
    string? SecteurActivite,
    string? Departement,
    LegalRepresentativeInput? LegalRepresentative);
