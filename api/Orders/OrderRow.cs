namespace CpxTeleservice.Orders;

/// <summary>A row of the <c>order_rows</c> view.</summary>
internal sealed class OrderRow
{
    public Guid Id { get; set; }
    public Guid? StructureId { get; set; }
    public string CardType { get; set; } = "";
    public string Kind { get; set; } = "";
    public string State { get; set; } = "";
    public string? Profession { get; set; }
    public string? ModeExercice { get; set; }
    public bool NewCodes { get; set; }
    public DateTime? DossierCompleteAt { get; set; }
    public DateTime? CardShippedAt { get; set; }
    public DateTime? CardReceivedAt { get; set; }
    public DateTime? CodesShippedAt { get; set; }
    public Guid? CardId { get; set; }
    public Guid? ReplacesCardId { get; set; }
    public string? RejectionReason { get; set; }
    public DateTime CreatedAt { get; set; }
    public string HolderIdNat { get; set; } = "";
    public string HolderNom { get; set; } = "";
    public string HolderPrenom { get; set; } = "";
    public string? Departement { get; set; }
}
