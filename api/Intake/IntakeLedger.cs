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
        var stream = kind.Stream;
        var verdicts = records.Select(r => kind.Validate(source, r)).ToArray();
        var orderIds = new string?[records.Count];
        var start = 0;
        while (start < records.Count)
        {
            // The sub-batch: from start, up to the first record whose id or key repeats one already in it.
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var end = start;
            for (; end < records.Count; end++)
            {
                if (verdicts[end].Outcome == AckOutcome.Rejected)
                {
                    continue;
                }

                if (!ids.Add(kind.RecordId(records[end])) || !keys.Add(kind.Key(records[end])))
                {
                    break;
                }
            }

            var range = Enumerable.Range(start, end - start).ToList();
            try
            {
                await CommitAsync(kind, source, records, range, verdicts, orderIds, cancellationToken);
            }
            catch (PostgresException exception) when (range.Count > 1 && IsDataError(exception))
            {
                LogBatchRefused(logger, exception, stream, source.Name);
                foreach (var i in range.Where(i => verdicts[i].Outcome != AckOutcome.Rejected))
                {
                    try
                    {
                        await CommitAsync(kind, source, records, [i], verdicts, orderIds, cancellationToken);
                    }
                    catch (PostgresException single) when (IsDataError(single))
                    {
                        verdicts[i] = Verdict.Reject("record-not-storable", "");
                    }
                }
            }
            catch (PostgresException exception) when (IsDataError(exception))
            {
                verdicts[range[0]] = Verdict.Reject("record-not-storable", "");
            }

            start = end;
        }

        foreach (var outcome in verdicts.GroupBy(v => v.Outcome))
        {
            Telemetry.CpxMetrics.IntakeRecord(source.Name, outcome.Key.ToString().ToLowerInvariant(), outcome.Count());
        }

        return records.Select((r, i) => kind.Ack(r, verdicts[i], orderIds[i])).ToList();
    }

    /// <summary>Class 22 (data exception) and 23 (integrity constraint violation): the record's values, not the service, are at fault.</summary>
    private static bool IsDataError(PostgresException exception) => exception.SqlState.StartsWith("22", StringComparison.Ordinal) || exception.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task CommitAsync<TRecord, TAck>(IIntakeRecordKind<TRecord, TAck> kind, IntakeSource source, IReadOnlyList<TRecord> records, IReadOnlyList<int> range,
        Verdict[] verdicts, string?[] orderIds, CancellationToken cancellationToken)
    {
        var stream = kind.Stream;
        var pending = range.Where(i => verdicts[i].Outcome != AckOutcome.Rejected).ToList();
        string[] ledgerIds = [];
        long[] ledgerVersions = [];
        Guid?[] ledgerOrders = [];
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (pending.Count > 0)
        {
            // The record ids are locked before the ledger is read, in a fixed order: a resend racing the
            // first stream waits for it, then finds its versions (and overlapping batches cannot deadlock).
            var ledgerKeys = pending.Select(i => $"intake\n{source.IdNatStruct}\n{stream}\n{kind.RecordId(records[i])}").Order(StringComparer.Ordinal).ToArray();
            // One round trip, two statements: the second takes its snapshot once the locks are held.
            Dictionary<string, (long? Latest, bool Applied, Guid? OrderId)> ledger;
            await using (var read = await connection.QueryMultipleAsync(new CommandDefinition(
                """
                SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM (SELECT unnest(@ledgerKeys) AS k ORDER BY 1) keys;
                SELECT w.record_id, r.version AS latest, a.version IS NOT NULL AS applied, a.order_id
                FROM unnest(@ids::text[], @versions::bigint[]) AS w(record_id, version)
                LEFT JOIN intake_records r ON r.source = @source AND r.stream = @stream AND r.record_id = w.record_id
                LEFT JOIN intake_applied_versions a ON a.source = @source AND a.stream = @stream AND a.record_id = w.record_id AND a.version = w.version;
                """, new
                {
                    ledgerKeys, source = source.IdNatStruct, stream,
                    ids = pending.Select(i => kind.RecordId(records[i])).ToArray(), versions = pending.Select(i => kind.Version(records[i])).ToArray(),
                },
                transaction, cancellationToken: cancellationToken)))
            {
                await read.ReadSingleAsync<long>();
                ledger = (await read.ReadAsync<(string RecordId, long? Latest, bool Applied, Guid? OrderId)>())
                    .ToDictionary(r => r.RecordId, r => (r.Latest, r.Applied, r.OrderId), StringComparer.Ordinal);
            }

            var toApply = new List<int>();
            foreach (var i in pending)
            {
                var (latest, wasApplied, firstOrderId) = ledger.TryGetValue(kind.RecordId(records[i]), out var entry) ? entry : (null, false, null);
                if (wasApplied)
                {
                    // That version was applied before, whatever came after: no effect, and the ack says again what the first one said.
                    verdicts[i] = new Verdict(AckOutcome.Duplicate);
                    orderIds[i] = firstOrderId?.ToString();
                }
                else if (latest > kind.Version(records[i]))
                {
                    verdicts[i] = new Verdict(AckOutcome.Stale);
                }
                else
                {
                    toApply.Add(i);
                }
            }

            if (toApply.Count > 0)
            {
                var result = await kind.ApplyAsync(connection, transaction, source, toApply.Select(i => records[i]).ToList(), cancellationToken);
                foreach (var (position, orderId) in result.Orders)
                {
                    orderIds[toApply[position]] = orderId;
                }

                var accepted = new List<int>();
                for (var position = 0; position < toApply.Count; position++)
                {
                    if (result.Rejected.TryGetValue(position, out var rejection))
                    {
                        verdicts[toApply[position]] = rejection;
                    }
                    else
                    {
                        verdicts[toApply[position]] = new Verdict(AckOutcome.Accepted);
                        accepted.Add(toApply[position]);
                    }
                }

                ledgerIds = accepted.Select(i => kind.RecordId(records[i])).ToArray();
                ledgerVersions = accepted.Select(i => kind.Version(records[i])).ToArray();
                ledgerOrders = accepted.Select(i => orderIds[i] is { } id ? Guid.Parse(id) : (Guid?)null).ToArray();
            }
        }

        // The ledger and one audit line per committed batch (refused records included), in one round trip.
        var counts = range.GroupBy(i => verdicts[i].Outcome).ToDictionary(g => g.Key, g => g.Count());
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO intake_records (source, stream, record_id, version)
            SELECT @source, @stream, * FROM unnest(@ledgerIds::text[], @ledgerVersions::bigint[])
            ON CONFLICT (source, stream, record_id) DO UPDATE SET version = EXCLUDED.version, applied_at = now()
            WHERE intake_records.version < EXCLUDED.version;
            INSERT INTO intake_applied_versions (source, stream, record_id, version, order_id)
            SELECT @source, @stream, * FROM unnest(@ledgerIds::text[], @ledgerVersions::bigint[], @ledgerOrders::uuid[]);
            INSERT INTO audit_events (actor_id_nat, action, target, outcome, detail) VALUES (@source, @action, @name, 'ok', @detail);
            """, new
            {
                source = source.IdNatStruct, stream, ledgerIds, ledgerVersions, ledgerOrders, action = "intake:" + stream, name = source.Name,
                detail = string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {c.Key.ToString().ToLowerInvariant()}")),
            }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        LogBatchCommitted(logger, stream, source.Name, range.Count);
    }

    [LoggerMessage(EventId = 1, EventName = "IntakeBatchRefused", Level = LogLevel.Warning,
        Message = "Intake {Stream} from {Source}: a batch was refused by PostgreSQL; retrying its records one by one")]
    private static partial void LogBatchRefused(ILogger logger, Exception exception, string stream, string source);

    [LoggerMessage(EventId = 2, EventName = "IntakeBatchCommitted", Level = LogLevel.Debug, Message = "Intake {Stream} from {Source}: {Count} record(s) committed")]
    private static partial void LogBatchCommitted(ILogger logger, string stream, string source, int count);
}
