namespace CpxTeleservice.Events;

/// <summary>Events for structure software: webhook delivery, its limits, the card-expiring notice and the mandate-end notice.</summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>Run the delivery worker (and the card-expiring and ended-mandates passes) in this instance.</summary>
    public bool DeliveryEnabled { get; set; } = true;

    /// <summary>Accept <c>http://</c> webhook URLs on a loopback host (development and tests); otherwise https only.</summary>
    public bool AllowLoopbackHttp { get; set; }

    /// <summary>How many webhook subscriptions one structure may hold.</summary>
    public int MaxSubscriptionsPerStructure { get; set; } = 10;

    /// <summary>Bound on one delivery: connection, request and response headers together.</summary>
    public int DeliveryTimeoutSeconds { get; set; } = 10;

    /// <summary>First retry delay after a failed delivery; it doubles on each failure.</summary>
    public int RetryBaseMilliseconds { get; set; } = 1000;

    /// <summary>Longest delay between two retries (the backoff stops doubling there; retries go on).</summary>
    public int RetryMaxSeconds { get; set; } = 3600;

    /// <summary>How often the worker looks for subscriptions with events to deliver.</summary>
    public int PollMilliseconds { get; set; } = 500;

    /// <summary>Deliveries in flight at once, each to its own subscription: a slow receiver holds one slot only.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 16;

    /// <summary>A card is announced as expiring (<c>card.expiring</c>) this many days before its end of validity.</summary>
    public int ExpiringWithinDays { get; set; } = 30;

    /// <summary>How often the card-expiring pass runs.</summary>
    public int ExpiringIntervalSeconds { get; set; } = 3600;

    /// <summary>How often the ended-mandates pass runs: a mandate past its <c>endsAt</c> announces <c>mandate.ended</c> at the next pass.</summary>
    public int EndedMandatesIntervalSeconds { get; set; } = 60;

    internal static IEnumerable<string> Errors(EventsOptions o)
    {
        if (o.MaxSubscriptionsPerStructure is < 1 or > 100)
        {
            yield return "Events__MaxSubscriptionsPerStructure must be between 1 and 100.";
        }

        if (o.DeliveryTimeoutSeconds is < 1 or > 60)
        {
            yield return "Events__DeliveryTimeoutSeconds must be between 1 and 60 seconds.";
        }

        if (o.RetryBaseMilliseconds is < 10 or > 600_000)
        {
            yield return "Events__RetryBaseMilliseconds must be between 10 and 600000.";
        }

        if (o.RetryMaxSeconds is < 1 or > 86_400)
        {
            yield return "Events__RetryMaxSeconds must be between 1 and 86400 seconds.";
        }

        if (o.PollMilliseconds is < 50 or > 60_000)
        {
            yield return "Events__PollMilliseconds must be between 50 and 60000.";
        }

        if (o.MaxConcurrentDeliveries is < 1 or > 256)
        {
            yield return "Events__MaxConcurrentDeliveries must be between 1 and 256.";
        }

        if (o.ExpiringWithinDays is < 1 or > 3650)
        {
            yield return "Events__ExpiringWithinDays must be between 1 and 3650 days.";
        }

        if (o.ExpiringIntervalSeconds is < 1 or > 7 * 24 * 3600)
        {
            yield return "Events__ExpiringIntervalSeconds must be between 1 and 604800 seconds.";
        }

        if (o.EndedMandatesIntervalSeconds is < 1 or > 86_400)
        {
            yield return "Events__EndedMandatesIntervalSeconds must be between 1 and 86400 seconds.";
        }
    }
}
