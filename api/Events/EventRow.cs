using System.Text.Json;

namespace CpxTeleservice.Events;

/// <summary>An outbox row as read from <c>outbox_events</c>.</summary>
internal sealed class EventRow
{
    public Guid Id { get; init; }
    public long Position { get; init; }
    public string Type { get; init; } = "";
    public DateTime OccurredAt { get; init; }
    public Guid? StructureId { get; init; }
    public string Resource { get; init; } = "";
    public string Data { get; init; } = "{}";

    public StructureEvent ToEvent()
    {
        using var data = JsonDocument.Parse(Data);
        return new StructureEvent(Id, Type, DateTime.SpecifyKind(OccurredAt, DateTimeKind.Utc), StructureId, Resource, data.RootElement.Clone());
    }
}
