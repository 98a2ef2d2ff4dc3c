using CpxTeleservice.Intake.V1;
using Npgsql;

namespace CpxTeleservice.Intake;

/// <summary>
/// One kind of intake record: what its id, version and key are, how it is validated, what it does to
/// the database and what its ack says. <see cref="IntakeLedger"/> does the rest (ledger, batching,
/// locking, retrying a refused batch record by record); a new kind is one more implementation.
/// </summary>
public interface IIntakeRecordKind<TRecord, TAck>
{
    /// <summary>The ledger's name of the stream (intake_records.stream).</summary>
    string Stream { get; }

    string RecordId(TRecord record);

    long Version(TRecord record);

    /// <summary>What the record acts on (a professional, an order): a batch touches each key once.</summary>
    string Key(TRecord record);

    /// <summary>REJECTED with a reason, or <see cref="Verdict.Pending"/> for the ledger to decide.</summary>
    Verdict Validate(IntakeSource source, TRecord record);

    /// <summary>Applies the records (all new to the ledger) in the batch's transaction.</summary>
    Task<ApplyResult> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource source, IReadOnlyList<TRecord> records,
        CancellationToken cancellationToken);

    TAck Ack(TRecord record, Verdict verdict, string? orderId);
}
