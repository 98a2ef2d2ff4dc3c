using CpxTeleservice.Intake.V1;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Intake;

/// <summary>
/// The intake ledger (contract.md, gRPC intake), once for every record kind: per record, validation
/// (REJECTED, with a reason code and the field), then the ledger (DUPLICATE at a version applied
/// before, STALE below the latest applied one and never applied), then the kind's effect, committed
/// batch by batch with set-based SQL. A batch is cut where a record id or a key repeats, so that each
/// statement touches a row once and records apply in the order they came.
/// </summary>
public sealed partial class IntakeLedger(NpgsqlDataSource dataSource, ILogger<IntakeLedger> logger)
{
    /// <summary>
    /// Validation, then per sub-batch (cut where a record id or key repeats) one transaction: the
    /// ledger read under lock, the effects of the records to apply, the ledger written. Acks in order.
    /// A sub-batch the database refuses (a value it cannot store) is retried record by record, and
    /// the record at fault alone is REJECTED: a bad record never ends the stream.
    /// </summary>
    public async Task<IReadOnlyList<TAck>> ProcessAsync<TRecord, TAck>(IIntakeRecordKind<TRecord, TAck> kind, IntakeSource source, IReadOnlyList<TRecord> records,
        CancellationToken cancellationToken)
        where TRecord : class
    {
        var batch = new Batch<TRecord, TAck>(kind, source, records, records.Select(r => kind.Validate(source, r)).ToArray(), new string?[records.Count]);
        var start = 0;
        while (start < records.Count)
        {
            var end = SubBatchEnd(batch, start);
            await CommitOrIsolateAsync(batch, Enumerable.Range(start, end - start).ToList(), cancellationToken);
            start = end;
        }

        foreach (var outcome in batch.Verdicts.GroupBy(v => v.Outcome))
        {
            Telemetry.CpxMetrics.IntakeRecord(source.Name, outcome.Key.ToString().ToLowerInvariant(), outcome.Count());
        }

        return records.Select((r, i) => kind.Ack(r, batch.Verdicts[i], batch.OrderIds[i])).ToList();
    }

    /// <summary>Class 22 (data exception) and 23 (integrity constraint violation): the record's values, not the service, are at fault.</summary>
    private static bool IsDataError(PostgresException exception) => exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("23", StringComparison.Ordinal);

    /// <summary>The end of the sub-batch from <paramref name="start"/>: the first record whose id or key repeats one already in it.</summary>
    private static int SubBatchEnd<TRecord, TAck>(Batch<TRecord, TAck> batch, int start)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var end = start;
        for (; end < batch.Records.Count; end++)
        {
            if (batch.Verdicts[end].Outcome == AckOutcome.Rejected)
            {
                continue;
            }

            if (!ids.Add(batch.RecordId(end)) || !keys.Add(batch.Kind.Key(batch.Records[end])))
            {
                break;
            }
        }

        return end;
    }

    /// <summary>
    /// Commits the sub-batch; one the database refuses is retried record by record, so that the record at
    /// fault alone is REJECTED (record-not-storable).
    /// </summary>
    private async Task CommitOrIsolateAsync<TRecord, TAck>(Batch<TRecord, TAck> batch, List<int> range, CancellationToken cancellationToken)
    {
        try
        {
            await CommitAsync(batch, range, cancellationToken);
        }
        catch (PostgresException exception) when (range.Count > 1 && IsDataError(exception))
        {
            LogBatchRefused(logger, exception, batch.Kind.Stream, batch.Source.Name);
            foreach (var i in range.Where(i => batch.Verdicts[i].Outcome != AckOutcome.Rejected))
            {
                try
                {
                    await CommitAsync(batch, [i], cancellationToken);
                }
                catch (PostgresException single) when (IsDataError(single))
                {
                    batch.Verdicts[i] = Verdict.Reject("record-not-storable", "");
                }
            }
        }
        catch (PostgresException exception) when (IsDataError(exception))
        {
            batch.Verdicts[range[0]] = Verdict.Reject("record-not-storable", "");
        }
    }

    /// <summary>
    /// One sub-batch, one transaction: the record ids locked and the ledger read, DUPLICATE and STALE
    /// settled, the other records applied, then the ledger and the audit line written.
    /// </summary>
    private async Task CommitAsync<TRecord, TAck>(Batch<TRecord, TAck> batch, IReadOnlyList<int> range, CancellationToken cancellationToken)
    {
        var pending = range.Where(i => batch.Verdicts[i].Outcome != AckOutcome.Rejected).ToList();
        IReadOnlyList<int> accepted = [];
        var opposed = 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (pending.Count > 0)
        {
            var ledger = await LockAndReadLedgerAsync(connection, transaction, batch, pending, cancellationToken);
            var toApply = SettleFromLedger(batch, pending, ledger);
            if (toApply.Count > 0)
            {
                (accepted, opposed) = await ApplyAsync(connection, transaction, batch, toApply, cancellationToken);
            }
        }

        await WriteLedgerAsync(connection, transaction, batch, range, accepted, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Telemetry.CpxMetrics.Opposition("radiation", opposed);
        LogBatchCommitted(logger, batch.Kind.Stream, batch.Source.Name, range.Count);
    }

    /// <summary>
    /// The ledger's word on each record of a batch (<c>@ids</c>, <c>@versions</c>): the latest version applied and
    /// whether this version was. Each record is one lookup on the full primary key, written as a lateral subquery
    /// with <c>LIMIT 1</c> so that the planner cannot turn it into a join: on a new database, before the tables'
    /// first ANALYZE, a join was planned as a scan of every row of the source and stream, for every record of
    /// every batch, and PostgreSQL kept that plan (an Ordre's first bulk load ran six times slower than the next).
    /// </summary>
    internal const string LedgerRead =
        """
        SELECT w.record_id, r.version AS latest, a.version IS NOT NULL AS applied, a.order_id
        FROM unnest(@ids::text[], @versions::bigint[]) AS w(record_id, version)
        LEFT JOIN LATERAL (SELECT version FROM intake_records
                           WHERE source = @source AND stream = @stream AND record_id = w.record_id LIMIT 1) r ON true
        LEFT JOIN LATERAL (SELECT version, order_id FROM intake_applied_versions
                           WHERE source = @source AND stream = @stream AND record_id = w.record_id AND version = w.version LIMIT 1) a ON true
        """;

    /// <summary>Per pending record id, the latest version applied, and whether its own version was applied (with the order it created).</summary>
    private static async Task<Dictionary<string, (long? Latest, bool Applied, Guid? OrderId)>> LockAndReadLedgerAsync<TRecord, TAck>(NpgsqlConnection connection,
        NpgsqlTransaction transaction, Batch<TRecord, TAck> batch, List<int> pending, CancellationToken cancellationToken)
    {
        var (source, stream) = (batch.Source, batch.Kind.Stream);
        // The record ids are locked before the ledger is read, in a fixed order: a resend racing the
        // first stream waits for it, then finds its versions (and overlapping batches cannot deadlock).
        var ledgerKeys = pending.Select(i => $"intake\n{source.IdNatStruct}\n{stream}\n{batch.RecordId(i)}").Order(StringComparer.Ordinal).ToArray();
        // One round trip, two statements: the second takes its snapshot once the locks are held.
        await using var read = await connection.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM (SELECT unnest(@ledgerKeys) AS k ORDER BY 1) keys;
            {LedgerRead};
            """, new
            {
                ledgerKeys, source = source.IdNatStruct, stream,
                ids = pending.Select(batch.RecordId).ToArray(), versions = pending.Select(batch.Version).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));
        await read.ReadSingleAsync<long>();
        return (await read.ReadAsync<(string RecordId, long? Latest, bool Applied, Guid? OrderId)>())
            .ToDictionary(r => r.RecordId, r => (r.Latest, r.Applied, r.OrderId), StringComparer.Ordinal);
    }

    /// <summary>DUPLICATE for a version applied before, STALE below the latest applied one; the records left are to apply.</summary>
    private static List<int> SettleFromLedger<TRecord, TAck>(Batch<TRecord, TAck> batch, List<int> pending,
        Dictionary<string, (long? Latest, bool Applied, Guid? OrderId)> ledger)
    {
        var toApply = new List<int>();
        foreach (var i in pending)
        {
            var (latest, wasApplied, firstOrderId) = ledger.TryGetValue(batch.RecordId(i), out var entry) ? entry : (null, false, null);
            if (wasApplied)
            {
                // That version was applied before, whatever came after: no effect, and the ack says again what the first one said.
                batch.Verdicts[i] = new Verdict(AckOutcome.Duplicate);
                batch.OrderIds[i] = firstOrderId?.ToString();
            }
            else if (latest > batch.Version(i))
            {
                batch.Verdicts[i] = new Verdict(AckOutcome.Stale);
            }
            else
            {
                toApply.Add(i);
            }
        }

        return toApply;
    }

    /// <summary>The kind's effect on the records to apply: each ACCEPTED, or REJECTED on what the database holds. Returns the accepted ones.</summary>
    private static async Task<(List<int> Accepted, int Opposed)> ApplyAsync<TRecord, TAck>(NpgsqlConnection connection, NpgsqlTransaction transaction, Batch<TRecord, TAck> batch,
        List<int> toApply, CancellationToken cancellationToken)
    {
        var result = await batch.Kind.ApplyAsync(connection, transaction, batch.Source, toApply.Select(i => batch.Records[i]).ToList(), cancellationToken);
        foreach (var (position, orderId) in result.Orders)
        {
            batch.OrderIds[toApply[position]] = orderId;
        }

        var accepted = new List<int>();
        for (var position = 0; position < toApply.Count; position++)
        {
            if (result.Rejected.TryGetValue(position, out var rejection))
            {
                batch.Verdicts[toApply[position]] = rejection;
            }
            else
            {
                batch.Verdicts[toApply[position]] = new Verdict(AckOutcome.Accepted);
                accepted.Add(toApply[position]);
            }
        }

        return (accepted, result.Opposed);
    }

    /// <summary>The ledger (the accepted records' versions) and one audit line per committed batch (refused records included), in one round trip.</summary>
    private static async Task WriteLedgerAsync<TRecord, TAck>(NpgsqlConnection connection, NpgsqlTransaction transaction, Batch<TRecord, TAck> batch,
        IReadOnlyList<int> range, IReadOnlyList<int> accepted, CancellationToken cancellationToken)
    {
        var (source, stream) = (batch.Source, batch.Kind.Stream);
        var ledgerIds = accepted.Select(batch.RecordId).ToArray();
        var ledgerVersions = accepted.Select(batch.Version).ToArray();
        var ledgerOrders = accepted.Select(i => batch.OrderIds[i] is { } id ? Guid.Parse(id) : (Guid?)null).ToArray();
        var counts = range.GroupBy(i => batch.Verdicts[i].Outcome).ToDictionary(g => g.Key, g => g.Count());
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO intake_records (source, stream, record_id, version)
            SELECT @source, @stream, * FROM unnest(@ledgerIds::text[], @ledgerVersions::bigint[])
            ON CONFLICT (source, stream, record_id) DO UPDATE SET version = EXCLUDED.version, applied_at = cpx_now()
            WHERE intake_records.version < EXCLUDED.version;
            INSERT INTO intake_applied_versions (source, stream, record_id, version, order_id)
            SELECT @source, @stream, * FROM unnest(@ledgerIds::text[], @ledgerVersions::bigint[], @ledgerOrders::uuid[]);
            INSERT INTO audit_events (actor_id_nat, action, target, outcome, detail) VALUES (@source, @action, @name, 'ok', @detail);
            """, new
            {
                source = source.IdNatStruct, stream, ledgerIds, ledgerVersions, ledgerOrders, action = "intake:" + stream, name = source.Name,
                detail = string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {c.Key.ToString().ToLowerInvariant()}")),
            }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The records of one call, their verdicts and the order ids their acks name, filled in sub-batch by sub-batch.</summary>
    private sealed record Batch<TRecord, TAck>(IIntakeRecordKind<TRecord, TAck> Kind, IntakeSource Source, IReadOnlyList<TRecord> Records,
        Verdict[] Verdicts, string?[] OrderIds)
    {
        public string RecordId(int i) => Kind.RecordId(Records[i]);

        public long Version(int i) => Kind.Version(Records[i]);
    }

    [LoggerMessage(EventId = 1, EventName = "IntakeBatchRefused", Level = LogLevel.Warning,
        Message = "Intake {Stream} from {Source}: a batch was refused by PostgreSQL; retrying its records one by one")]
    private static partial void LogBatchRefused(ILogger logger, Exception exception, string stream, string source);

    [LoggerMessage(EventId = 2, EventName = "IntakeBatchCommitted", Level = LogLevel.Debug, Message = "Intake {Stream} from {Source}: {Count} record(s) committed")]
    private static partial void LogBatchCommitted(ILogger logger, string stream, string source, int count);
}
