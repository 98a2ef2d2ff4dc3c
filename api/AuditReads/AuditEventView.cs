namespace CpxTeleservice.AuditReads;

/// <summary>A line of the audit trail as it is read back.</summary>
public sealed record AuditEventView(long Id, DateTime OccurredAt, string? ActorIdNat, string? ActorCardSerial, Guid? StructureId,
    string Action, string? Target, string Outcome, string? Detail, string? RequestId);
