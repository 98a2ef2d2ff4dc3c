using CpxTeleservice.Orders;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>
/// CPS and CDE cards renew automatically at expiry (seed 001; codes kept, seed 004 §5): a card
/// entering the window before its expiry gets exactly one renewal order, whichever instance runs
/// the job and however often (a partial unique index on live renewals decides).
/// </summary>
public sealed class RenewalJob(NpgsqlDataSource dataSource, IConfiguration configuration, ILogger<RenewalJob> logger) : BackgroundService
{
    private const int Batch = 1000;

    public static async Task<Guid?> TryInsertRenewalAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? structureId, string cardType,
        Guid holderId, string? profession, Guid cardId, string? actorIdNat, string? actorCardSerial, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO orders (id, structure_id, card_type, kind, holder_id, profession, state, new_codes, dossier_complete_at, replaces_card_id,
                                placed_by_id_nat, placed_by_card_serial)
            VALUES (@id, @structureId, @cardType, 'renewal', @holderId, @profession, 'submitted', false, now(), @cardId, @actorIdNat, @actorCardSerial)
            ON CONFLICT (replaces_card_id) WHERE kind = 'renewal' AND state NOT IN ('rejected', 'cancelled') DO NOTHING
            """, new { id, structureId, cardType, holderId, profession, cardId, actorIdNat, actorCardSerial }, transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return null;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO order_events (order_id, event, state, occurred_at, actor_id_nat) VALUES (@id, 'placed', 'submitted', now(), @actorIdNat);
            UPDATE cards SET version = version + 1, updated_at = now() WHERE id = @cardId;
            INSERT INTO card_events (card_id, event, actor_id_nat, detail) VALUES (@cardId, 'renewal-ordered', @actorIdNat, 'order ' || @id);
            """, new { id, actorIdNat, cardId }, transaction, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>One pass: renewal orders for every CPS and CDE card entering the window. Returns how many were created.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromDays(configuration.GetValue("Renewal:WindowDays", 90));
        var created = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var candidates = (await connection.QueryAsync<(Guid Id, Guid? StructureId, string CardType, Guid HolderId, string? Profession)>(new CommandDefinition(
                """
                SELECT c.id, c.structure_id, c.card_type, c.holder_id, c.profession
                FROM cards c
                WHERE c.state = 'active' AND c.card_type IN ('CPS', 'CDE')
                  AND c.valid_until > now() AND c.valid_until <= now() + @window
                  -- One automatic renewal per card, ever: a renewal someone cancelled is not ordered again.
                  AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.replaces_card_id = c.id AND o.kind = 'renewal')
                ORDER BY c.valid_until
                LIMIT @Batch
                """, new { window, Batch }, cancellationToken: cancellationToken))).ToList();
            if (candidates.Count == 0)
            {
                return created;
            }

            var batchCreated = 0;
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                foreach (var card in candidates)
                {
                    if (await TryInsertRenewalAsync(connection, transaction, card.StructureId, card.CardType, card.HolderId, card.Profession, card.Id, null, null, cancellationToken) is not null)
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
        if (!configuration.GetValue("Renewal:Enabled", true))
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(configuration.GetValue("Renewal:IntervalSeconds", 3600));
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                var created = await RunOnceAsync(stoppingToken);
                if (created > 0)
                {
                    logger.LogInformation("Automatic renewal: {Count} renewal order(s) created", created);
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(exception, "Automatic renewal pass failed; the next pass retries");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
