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

/// <summary>A record's verdict before its effect: rejected with a reason, or to be looked up in the ledger.</summary>
public sealed record Verdict(AckOutcome Outcome, string ReasonCode = "", string Field = "")
{
    public static readonly Verdict Pending = new(AckOutcome.Unspecified);

    public static Verdict Reject(string reason, string field) => new(AckOutcome.Rejected, reason, field);
}

/// <summary>What applying a batch did: the orders created, and the records refused on what the database holds (by position in the batch).</summary>
public sealed record ApplyResult(Dictionary<int, string> Orders, Dictionary<int, Verdict> Rejected)
{
    public static ApplyResult Empty => new([], []);
}
