namespace CpxTeleservice.Events;

/// <summary>A webhook subscription: where to deliver, and which event types (all when empty or absent).</summary>
public sealed record CreateWebhookRequest(string? Url, string[]? EventTypes);
