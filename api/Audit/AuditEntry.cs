namespace CpxTeleservice.Audit;

/// <summary>One line of the audit trail: who (IdNat, card serial), which structure, what, on what, and how it ended.</summary>
public sealed record AuditEntry(
    string? ActorIdNat,
    string? ActorCardSerial,
    Guid? StructureId,
    string Action,
    string? Target,
    string Outcome,
    string? Detail,
    string? RequestId);
