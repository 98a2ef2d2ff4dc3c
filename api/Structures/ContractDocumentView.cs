namespace CpxTeleservice.Structures;

/// <summary>A contract document as stored: its kind, type recognised from its bytes, size and SHA-256.</summary>
internal sealed record ContractDocumentView(Guid Id, string Kind, string MediaType, string? FileName, int SizeBytes, string Sha256, DateTime UploadedAt);
