namespace CpxTeleservice.Structures;

/// <summary>The contract of structure: its state and documents.</summary>
internal sealed record ContractView(string State, DateTime? ApprovedAt, IReadOnlyList<ContractDocumentView> Documents);
