namespace CpxTeleservice.Events;

/// <summary>A subscription as listed (the secret is shown once, at creation only), with its delivery state.</summary>
public sealed record WebhookView(Guid Id, string Url, string[] EventTypes, DateTime CreatedAt, string CreatedBy, int FailedAttempts, DateTime NextAttemptAt,
    string? LastError);
