namespace CpxTeleservice.Forms;

/// <summary>What form 502 prints: the designation in force, the mandataire and their card, the structure and its legal representative.</summary>
internal sealed class MandataireFormFacts
{
    public Guid Id { get; set; }
    public string IdNat { get; set; } = "";
    public string Nom { get; set; } = "";
    public string Prenom { get; set; } = "";
    public DateTime DesignatedAt { get; set; }
    public DateTime? EndsAt { get; set; }
    public string? CardType { get; set; }
    public string? CardSerial { get; set; }
    public string RaisonSociale { get; set; } = "";
    public string? Finess { get; set; }
    public string? Siret { get; set; }
    public string IdNatStruct { get; set; } = "";
    public string? Departement { get; set; }
    public string? SecteurActivite { get; set; }
    public string RepresentativeIdNat { get; set; } = "";
    public string RepresentativeNom { get; set; } = "";
    public string RepresentativePrenom { get; set; } = "";
}
