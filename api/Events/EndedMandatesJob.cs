using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Events;

/// <summary>
/// Announces <c>mandate.ended</c> (reason <c>expired</c>) once for each mandate whose end has passed: it
/// closes the mandate at its end (<c>revoked_at = ends_at</c>, <c>end_reason = 'expired'</c>), and the
/// trigger of migration 008 writes the event in that transaction. A closed mandate is never closed again,
/// so repeated or concurrent passes, on any instance, write it once (migration 011). Rights do not wait
/// for this pass: the mandate stopped authorising at its end (<c>active_mandataires</c>).
/// </summary>
public sealed partial class EndedMandatesJob(NpgsqlDataSource dataSource, IOptions<EventsOptions> options, ILogger<EndedMandatesJob> logger)
    : EventsPass(options.Value.DeliveryEnabled, TimeSpan.FromSeconds(options.Value.EndedMandatesIntervalSeconds))
{
    private const int Batch = 1000;

    /// <summary>One pass; returns how many mandates were announced as ended.</summary>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var ended = 0;
        while (true)
        {
            // Rows another transaction holds (a pass elsewhere, a departure) are left to it, or to the next pass.
            var closed = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE mandataires m SET revoked_at = m.ends_at, end_reason = 'expired'
                WHERE m.id IN (
                    SELECT id FROM mandataires
                    WHERE revoked_at IS NULL AND ends_at IS NOT NULL AND ends_at <= cpx_now()
                    ORDER BY ends_at
                    LIMIT @Batch
                    FOR UPDATE SKIP LOCKED)
                  AND m.revoked_at IS NULL
                """, new { Batch }, cancellationToken: cancellationToken));
            ended += closed;
            if (closed < Batch)
            {
                return ended;
            }
        }
    }

    protected override void PassFailed(Exception exception) => LogPassFailed(logger, exception);

    [LoggerMessage(EventId = 1, EventName = "EndedMandatesPassFailed", Level = LogLevel.Warning, Message = "Ended-mandates pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
