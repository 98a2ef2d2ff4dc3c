namespace CpxTeleservice.AuditReads;

/// <summary>A page of the audit trail, newest first, and the cursor of the next.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEventView> Items, string? NextCursor);
