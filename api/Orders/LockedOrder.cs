namespace CpxTeleservice.Orders;

/// <summary>An order read under its row lock, before a life-cycle event is applied to it.</summary>
public sealed class LockedOrder
{
    public Guid Id { get; set; }
    public string State { get; set; } = "";
    public Guid? StructureId { get; set; }
    public string CardType { get; set; } = "";
    public Guid HolderId { get; set; }
    public string? Profession { get; set; }
    public string Kind { get; set; } = "";
    public bool NewCodes { get; set; }
    public Guid? ReplacesCardId { get; set; }

    /// <summary>When the latest production event happened (the placement aside), or null.</summary>
    public DateTime? LastEventAt { get; set; }
}
