using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// Deletes the Idempotency-Keys claimed longer ago than <see cref="IdempotencyOptions.RetentionHours"/>
/// (by the service's clock, <c>cpx_now()</c>), oldest first, at most <see cref="Batch"/> rows per statement,
/// each its own short transaction, until none is left. Every instance runs it: rows another pass (or a claim
/// replacing an expired key) holds are skipped, not waited for, so passes at once never block each other nor
/// an order. A claim still in progress is an uncommitted row, invisible here: it cannot be deleted.
/// </summary>
public sealed partial class IdempotencyPurgeJob(NpgsqlDataSource dataSource, IOptions<IdempotencyOptions> options, ILogger<IdempotencyPurgeJob> logger)
    : BackgroundService
{
    public const int Batch = 1000;

    /// <summary>Tests only: called after each statement with the rows it deleted.</summary>
    internal Action<int>? BatchDeleted { get; set; }

    /// <summary>One pass; returns how many keys were deleted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var retention = options.Value.Retention();
        var deleted = 0;
        while (true)
        {
            var batch = await connection.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM idempotency_keys k
                WHERE (k.caller_id_nat, k.scope, k.key) IN (
                    SELECT caller_id_nat, scope, key FROM idempotency_keys
                    WHERE created_at < cpx_now() - @retention
                    ORDER BY created_at
                    LIMIT @Batch
                    FOR UPDATE SKIP LOCKED)
                  AND k.created_at < cpx_now() - @retention
                """, new { retention, Batch }, cancellationToken: cancellationToken));
            BatchDeleted?.Invoke(batch);
            deleted += batch;
            if (batch < Batch)
            {
                return deleted;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PurgeIntervalSeconds));
        do
        {
            try
            {
                var deleted = await RunOnceAsync(stoppingToken);
                if (deleted > 0)
                {
                    LogKeysDeleted(logger, deleted, options.Value.RetentionHours);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                LogPassFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 1, EventName = "IdempotencyKeysDeleted", Level = LogLevel.Information,
        Message = "Idempotency-Key retention: {Count} key(s) older than {RetentionHours} h deleted")]
    private static partial void LogKeysDeleted(ILogger logger, int count, int retentionHours);

    [LoggerMessage(EventId = 2, EventName = "IdempotencyPurgeFailed", Level = LogLevel.Warning, Message = "Idempotency-Key purge failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
