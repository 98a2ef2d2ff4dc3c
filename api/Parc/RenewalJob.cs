using CpxTeleservice.Orders;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>
/// CPS and CDE cards renew automatically at expiry (seed 001; codes kept, seed 004 §5): a card
/// entering the window before its expiry gets exactly one renewal order, whichever instance runs
/// the job and however often (a partial unique index on live renewals decides). Each card is locked
/// and re-read before its renewal is ordered: a card put in opposition meanwhile is not renewed.
/// </summary>
public sealed partial class RenewalJob(NpgsqlDataSource dataSource, IOptions<RenewalOptions> options, ILogger<RenewalJob> logger) : BackgroundService
{
    private const int Batch = 1000;

    /// <summary>
    /// Tests only: awaited between reading the candidates and ordering their renewals, where an
    /// opposition made meanwhile must still win.
    /// </summary>
    internal Func<CancellationToken, Task>? AfterCandidatesRead { get; set; }

    /// <summary>One pass: renewal orders for every CPS and CDE card entering the window. Returns how many were created.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var created = await RunPassAsync(cancellationToken);
            Telemetry.CpxMetrics.RenewalRun(ok: true, created);
            return created;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Telemetry.CpxMetrics.RenewalRun(ok: false, 0);
            throw;
        }
    }

    private async Task<int> RunPassAsync(CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromDays(options.Value.WindowDays);
        var created = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var candidates = (await connection.QueryAsync<RenewalOf>(new CommandDefinition(
                """
                SELECT c.id AS CardId, c.structure_id AS StructureId, c.card_type AS CardType, c.holder_id AS HolderId, c.profession AS Profession
                FROM cards c
                WHERE c.state = 'active' AND c.card_type IN ('CPS', 'CDE')
                  AND c.valid_until > cpx_now() AND c.valid_until <= cpx_now() + @window
                  -- One automatic renewal per card, ever: a renewal someone cancelled is not ordered again.
                  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.replaces_card_id = c.id AND o.kind = 'renewal')
                ORDER BY c.valid_until
                LIMIT @Batch
                """, new { window, Batch }, cancellationToken: cancellationToken))).ToList();
            if (candidates.Count == 0)
            {
                return created;
            }

            if (AfterCandidatesRead is { } pause)
            {
                await pause(cancellationToken);
            }

            var batchCreated = 0;
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                // The candidates were read without a lock: lock their rows (opposition and renewal lock
                // them too) and keep those still active, as they are now.
                var eligible = (await connection.QueryAsync<Guid>(new CommandDefinition(
                    """
                    SELECT c.id FROM cards c
                    WHERE c.id = ANY(@ids) AND c.state = 'active' AND c.valid_until > cpx_now()
                    ORDER BY c.id
                    FOR UPDATE OF c
                    """, new { ids = candidates.Select(c => c.CardId).ToArray() }, transaction, cancellationToken: cancellationToken))).ToHashSet();
                foreach (var card in candidates.Where(c => eligible.Contains(c.CardId)))
                {
                    if (await CardRenewal.OrderAsync(connection, transaction, card, null, null, cancellationToken) is not null)
                    {
                        batchCreated++;
                    }
                }

                await Audit.AuditLog.RecordAsync(connection, transaction, new Audit.AuditEntry(
                    null, null, null, "renewal:automatic", $"{candidates.Count} card(s) entering the window", "ok", $"{batchCreated} renewal order(s) created", null));
                await transaction.CommitAsync(cancellationToken);
            }

            created += batchCreated;
            if (batchCreated == 0 || candidates.Count < Batch)
            {
                return created;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(options.Value.IntervalSeconds);
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                var created = await RunOnceAsync(stoppingToken);
                if (created > 0)
                {
                    LogRenewalsCreated(logger, created);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                LogPassFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 1, EventName = "RenewalsCreated", Level = LogLevel.Information, Message = "Automatic renewal: {Count} renewal order(s) created")]
    private static partial void LogRenewalsCreated(ILogger logger, int count);

    [LoggerMessage(EventId = 2, EventName = "RenewalPassFailed", Level = LogLevel.Warning, Message = "Automatic renewal pass failed; the next pass retries")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
