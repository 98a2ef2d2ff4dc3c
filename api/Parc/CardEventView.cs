namespace CpxTeleservice.Parc;

/// <summary>A line of a card's history.</summary>
public sealed record CardEventView(string Event, DateTime OccurredAt, string? Actor, string? Detail);
