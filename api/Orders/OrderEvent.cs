namespace CpxTeleservice.Orders;

/// <summary>A production event to apply to an order: its new state, when it happened, who recorded it, and the card it issued.</summary>
public sealed record OrderEvent(string Event, string State, DateTime OccurredAt, string ActorIdNat, string? Reason, Guid? CardId);
