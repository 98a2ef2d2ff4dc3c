namespace CpxTeleservice.Parc;

/// <summary>A card locked for a change by someone who manages its structure's parc, with the role they act in.</summary>
internal sealed class ManagedCard
{
    public Guid Id { get; set; }
    public Guid StructureId { get; set; }
    public string CardType { get; set; } = "";
    public string State { get; set; } = "";
    public Guid HolderId { get; set; }
    public string? Profession { get; set; }
    public DateTime ValidUntil { get; set; }
    public int Version { get; set; }
    public string Role { get; set; } = "";
    public bool HolderIsLegalRepresentative { get; set; }
}
