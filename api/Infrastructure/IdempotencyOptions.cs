namespace CpxTeleservice.Infrastructure;

/// <summary>
/// How long an Idempotency-Key is kept (IETF draft httpapi-idempotency-key-header: a key expires, the
/// resource says when), and how often the pass that deletes the expired ones runs.
/// </summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>
    /// A key is kept this many hours after it was claimed: a retry within them replays the first response;
    /// after them the key is a new one (a retry creates a new order).
    /// </summary>
    public int RetentionHours { get; set; } = 24;

    /// <summary>How often the pass that deletes the expired keys runs.</summary>
    public int PurgeIntervalSeconds { get; set; } = 3600;

    internal static IEnumerable<string> Errors(IdempotencyOptions o)
    {
        if (o.RetentionHours is < 1 or > 8760)
        {
            yield return "Idempotency__RetentionHours must be between 1 and 8760 hours (one year).";
        }

        if (o.PurgeIntervalSeconds is < 1 or > 86_400)
        {
            yield return "Idempotency__PurgeIntervalSeconds must be between 1 and 86400 seconds.";
        }
    }

    /// <summary>The retention, as a duration (a method, not a property: <c>Idempotency__Retention</c> is no setting, and is refused as one).</summary>
    public TimeSpan Retention() => TimeSpan.FromHours(RetentionHours);
}
