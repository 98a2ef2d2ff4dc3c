namespace CpxTeleservice.Parc;

/// <summary>A row of the <c>card_rows</c> view: a card, its effective state and its holder.</summary>
internal sealed class CardRow
{
    public Guid Id { get; set; }
    public string CardType { get; set; } = "";
    public string Serial { get; set; } = "";
    public string State { get; set; } = "";
    public string HolderIdNat { get; set; } = "";
    public string HolderNom { get; set; } = "";
    public string HolderPrenom { get; set; } = "";
    public Guid? StructureId { get; set; }
    public string? Profession { get; set; }
    public DateTime ValidFrom { get; set; }
    public DateTime ValidUntil { get; set; }
    public DateTime? OpposedAt { get; set; }
    public string? OppositionReason { get; set; }
    public Guid? OrderId { get; set; }
    public int Version { get; set; }

    public CardView ToView(IReadOnlyList<CardCertificateView>? certificates = null, IReadOnlyList<CardEventView>? history = null) =>
        new(Id, CardType, Serial, State, HolderIdNat, HolderNom, HolderPrenom, StructureId, Profession, ValidFrom, ValidUntil, OpposedAt, OppositionReason, OrderId,
            certificates, history) { Version = Version };
}
