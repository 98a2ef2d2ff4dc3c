namespace CpxTeleservice.Orders;

/// <summary>An order locked for a change by someone who acts for its structure, with the role they act in.</summary>
internal sealed class ManagedOrder
{
    public Guid StructureId { get; set; }
    public string State { get; set; } = "";
    public string Role { get; set; } = "";
}
