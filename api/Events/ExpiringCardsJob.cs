using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Events;

/// <summary>
/// Writes <c>card.expiring</c> once per card and validity end, when an active card of a structure enters
/// the <see cref="EventsOptions.ExpiringWithinDays"/> window (a key on the outbox row makes repeated
/// passes, on any instance, write it once).
/// </summary>
public sealed partial class ExpiringCardsJob(NpgsqlDataSource dataSource, IOptions<EventsOptions> options, ILogger<ExpiringCardsJob> logger)
    : EventsPass(options.Value.DeliveryEnabled, TimeSpan.FromSeconds(options.Value.ExpiringIntervalSeconds))
{
    /// <summary>One pass; returns how many events were written.</summary>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO outbox_events (structure_id, type, resource, occurred_at, data, dedupe_key)
            SELECT c.structure_id, 'card.expiring', 'card/' || c.id, cpx_now(),
                   jsonb_build_object('cardId', c.id, 'serial', c.serial, 'cardType', c.card_type, 'holderIdNat', p.id_nat,
                                      'validUntil', c.valid_until, 'withinDays', @days),
                   'card.expiring/' || c.id || '/' || extract(epoch FROM c.valid_until)::bigint
            FROM cards c JOIN persons p ON p.id = c.holder_id
            WHERE c.state = 'active' AND c.structure_id IS NOT NULL
              AND c.valid_until > cpx_now() AND c.valid_until <= cpx_now() + make_interval(days => @days)
            ORDER BY c.valid_until
            ON CONFLICT (dedupe_key) DO NOTHING
            """, new { days = options.Value.ExpiringWithinDays }, cancellationToken: cancellationToken));
    }

    protected override void PassFailed(Exception exception) => LogPassFailed(logger, exception);

    [LoggerMessage(EventId = 1, EventName = "ExpiringPassFailed", Level = LogLevel.Warning, Message = "Card-expiring pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
