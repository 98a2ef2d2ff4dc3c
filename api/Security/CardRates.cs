using System.Threading.RateLimiting;
using CpxTeleservice.Infrastructure;

namespace CpxTeleservice.Security;

/// <summary>
/// The request rates (README, "Limits"): a token bucket per card once authenticated, per address before. The
/// middleware acquires through <see cref="Global"/>; authentication asks <see cref="MayProceed"/> before reading
/// ahead for an endpoint (<see cref="ReadAhead"/>), so that a card over its rate costs no read it will not be given.
/// </summary>
public sealed class CardRates : IDisposable
{
    private readonly PartitionedRateLimiter<string> _byPartition;

    public CardRates(LimitsOptions limits)
    {
        _byPartition = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition,
            _ => Bucket(partition.StartsWith(CardPrefix, StringComparison.Ordinal) ? limits.RequestsPerSecondPerCard : limits.RequestsPerSecondPerAddress)));
        Global = _byPartition.WithTranslatedKey<HttpContext>(PartitionOf, leaveOpen: true);
    }

    private const string CardPrefix = "card ";

    /// <summary>The limiter of the rate-limiting middleware.</summary>
    public PartitionedRateLimiter<HttpContext> Global { get; }

    /// <summary>Whether this card's bucket has a token left now (the middleware takes it just after).</summary>
    public bool MayProceed(string idNat) => _byPartition.GetStatistics(CardPrefix + idNat)?.CurrentAvailablePermits > 0;

    private static string PartitionOf(HttpContext context) =>
        context.Features.Get<Caller>() is { } caller ? CardPrefix + caller.IdNat : "address " + RefusalAudit.SourceOf(context.Connection.RemoteIpAddress);

    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = perSecond,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public void Dispose()
    {
        Global.Dispose();
        _byPartition.Dispose();
    }
}
