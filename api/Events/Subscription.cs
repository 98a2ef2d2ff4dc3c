namespace CpxTeleservice.Events;

/// <summary>A webhook subscription claimed by the delivery worker.</summary>
internal sealed class Subscription
{
    public Guid Id { get; init; }
    public Guid StructureId { get; init; }
    public string Url { get; init; } = "";
    public string[] EventTypes { get; init; } = [];
    public string Secret { get; init; } = "";
    public long DeliveredPosition { get; set; }
    public int Attempts { get; init; }
}
