using System.Text.Json;

namespace CpxTeleservice.Events;

/// <summary>
/// One event, as the feed lists it and as a webhook receives it: <c>id</c> is unique (de-duplicate on
/// it), <c>resource</c> names what changed (events of one resource come in order).
/// </summary>
public sealed record StructureEvent(Guid Id, string Type, DateTime OccurredAt, Guid? StructureId, string Resource, JsonElement Data);
