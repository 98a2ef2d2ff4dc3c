namespace CpxTeleservice.Me;

/// <summary>A structure where the caller acts, and as what: legal-representative or mandataire.</summary>
internal sealed record StructureRole(Guid StructureId, string RaisonSociale, string IdNatStruct, string Role);
