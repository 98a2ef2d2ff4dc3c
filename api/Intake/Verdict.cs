using CpxTeleservice.Intake.V1;
using Npgsql;

namespace CpxTeleservice.Intake;

/// <summary>A record's verdict before its effect: rejected with a reason, or to be looked up in the ledger.</summary>
public sealed record Verdict(AckOutcome Outcome, string ReasonCode = "", string Field = "")
{
    public static readonly Verdict Pending = new(AckOutcome.Unspecified);

    public static Verdict Reject(string reason, string field) => new(AckOutcome.Rejected, reason, field);
}
