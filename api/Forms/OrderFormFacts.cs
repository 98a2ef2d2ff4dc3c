namespace CpxTeleservice.Forms;

/// <summary>What an order's form prints: the order, its holder, its structure and the structure's legal representative.</summary>
internal sealed class OrderFormFacts
{
    public Guid Id { get; set; }
    public string CardType { get; set; } = "";
    public string Kind { get; set; } = "";
    public string State { get; set; } = "";
    public string? Profession { get; set; }
    public string? ModeExercice { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? PlacedByIdNat { get; set; }
    public string? PlacedByNom { get; set; }
    public string? PlacedByPrenom { get; set; }
    public string HolderIdNat { get; set; } = "";
    public string HolderNom { get; set; } = "";
    public string HolderPrenom { get; set; } = "";
    public string? HolderAdeli { get; set; }
    public Guid? StructureId { get; set; }
    public string? RaisonSociale { get; set; }
    public string? Finess { get; set; }
    public string? Siret { get; set; }
    public string? IdNatStruct { get; set; }
    public string? Departement { get; set; }
    public string? SecteurActivite { get; set; }
    public string? RepresentativeIdNat { get; set; }
    public string? RepresentativeNom { get; set; }
    public string? RepresentativePrenom { get; set; }
}
