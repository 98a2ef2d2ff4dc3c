namespace CpxTeleservice.Structures;

/// <summary>A structure, its legal representative and its contract.</summary>
internal sealed record StructureView(
    Guid Id,
    string? Finess,
    string? Siret,
    string IdNatStruct,
    string RaisonSociale,
    string? SecteurActivite,
    string? Departement,
    LegalRepresentativeView LegalRepresentative,
    ContractView Contract);
