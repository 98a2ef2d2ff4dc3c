namespace CpxTeleservice.Orders;

/// <summary>A line of an order's history.</summary>
public sealed record OrderEventView(string Event, string State, DateTime OccurredAt, DateTime RecordedAt, string? Actor, string? Detail);
