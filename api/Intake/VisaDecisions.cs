using CpxTeleservice.Intake.V1;
using CpxTeleservice.Orders;
using Dapper;
using Npgsql;
using static CpxTeleservice.Intake.ProfessionalRegister;

namespace CpxTeleservice.Intake;

/// <summary>
/// An ARS's visa decision on a CPS order awaiting it (form 201): granted, the dossier is complete
/// from the decision; refused, the order ends with the reason. An order the ARS may not see is
/// answered as an unknown one.
/// </summary>
public sealed class VisaDecisions : IIntakeRecordKind<VisaDecision, VisaAck>
{
    public static readonly VisaDecisions Kind = new();

    public string Stream => "visas";

    public string RecordId(VisaDecision record) => record.RecordId;

    public long Version(VisaDecision record) => record.Version;

    public string Key(VisaDecision record) => record.OrderId;

    public Verdict Validate(IntakeSource source, VisaDecision r) =>
        r.RecordId.Length == 0 ? Verdict.Reject("record-id-missing", "record_id")
        : r.Version <= 0 ? Verdict.Reject("version-invalid", "version")
        : !Guid.TryParse(r.OrderId, out _) ? Verdict.Reject("order-id-invalid", "order_id")
        : r.Decision == VisaOutcome.Unspecified ? Verdict.Reject("decision-missing", "decision")
        : r.Decision == VisaOutcome.Refused && string.IsNullOrWhiteSpace(r.Reason) ? Verdict.Reject("reason-missing", "reason")
        : HasNul(r.RecordId, r.Reason) ? Verdict.Reject("nul-character", "reason")
        : !IsValid(r.DecidedAt) ? Verdict.Reject("decided-at-invalid", "decided_at")
        : Verdict.Pending;

    public async Task<ApplyResult> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IntakeSource src, IReadOnlyList<VisaDecision> batch,
        CancellationToken ct)
    {
        var orders = (await connection.QueryAsync<(Guid Id, string State, string? Departement)>(new CommandDefinition(
            """
            SELECT o.id, o.state, COALESCE(s.departement, o.departement)
            FROM orders o LEFT JOIN structures s ON s.id = o.structure_id
            WHERE o.id = ANY(@ids) ORDER BY o.id FOR UPDATE OF o
            """, new { ids = batch.Select(r => Guid.Parse(r.OrderId)).ToArray() }, transaction, cancellationToken: ct))).ToDictionary(o => o.Id);
        var rejected = new Dictionary<int, Verdict>();
        var apply = new List<VisaDecision>();
        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch[i];
            // An order the ARS may not see is answered like one that does not exist.
            if (!orders.TryGetValue(Guid.Parse(record.OrderId), out var order) || order.Departement is null || !src.Departements.Contains(order.Departement))
            {
                rejected[i] = Verdict.Reject("order-unknown", "order_id");
            }
            else if (order.State != "awaiting-visa")
            {
                rejected[i] = Verdict.Reject("order-not-awaiting-visa", "order_id");
            }
            else
            {
                apply.Add(record);
            }
        }

        if (apply.Count > 0)
        {
            // Granted: the dossier is complete from the decision (seed 004 §4.2). Refused: the order ends, with the reason.
            await OrderStore.ApplyVisaDecisionsAsync(connection, transaction, new VisaDecisionBatch(
                apply.Select(r => Guid.Parse(r.OrderId)).ToArray(),
                apply.Select(r => r.Decision == VisaOutcome.Granted).ToArray(),
                apply.Select(r => r.Reason).ToArray(),
                apply.Select(r => (DateTime?)r.DecidedAt?.ToDateTime()).ToArray()), src.IdNatStruct, ct);
        }

        return new ApplyResult([], rejected);
    }

    public VisaAck Ack(VisaDecision r, Verdict verdict, string? orderId) =>
        new() { RecordId = r.RecordId, Version = r.Version, Outcome = verdict.Outcome, ReasonCode = verdict.ReasonCode, Field = verdict.Field };
}
