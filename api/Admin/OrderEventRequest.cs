namespace CpxTeleservice.Admin;

/// <summary>A production event on an order. <c>OccurredAt</c> defaults to now (docs/contract.md, Decisions: Event times).</summary>
internal sealed record OrderEventRequest(string? Event, DateTime? OccurredAt, string? CardSerial, DateTime? ValidUntil, string? Reason);
