namespace CpxTeleservice.Authorization;

/// <summary>The role a caller holds in a structure.</summary>
public enum StructureRoleKind
{
    None,
    Mandataire,
    LegalRepresentative,
}
