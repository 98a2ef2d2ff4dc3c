namespace CpxTeleservice.Events;

/// <summary>A page of the event feed; <c>next</c> is the cursor to send as <c>after</c> next time (the same one when nothing new came).</summary>
public sealed record EventPage(IReadOnlyList<StructureEvent> Items, string Next);
