namespace CpxTeleservice.Structures;

/// <summary>The approval of a contract: the ids of the documents the operator reviewed, the current one of each kind.</summary>
internal sealed record ContractApprovalRequest(IReadOnlyList<Guid>? DocumentIds);
