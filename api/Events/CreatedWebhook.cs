namespace CpxTeleservice.Events;

/// <summary>The subscription just created, with its signing secret: returned this once, never again.</summary>
public sealed record CreatedWebhook(Guid Id, string Url, string[] EventTypes, DateTime CreatedAt, string Secret);
