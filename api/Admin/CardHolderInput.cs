namespace CpxTeleservice.Admin;

/// <summary>The holder of a card already in the field, as the operator names them.</summary>
internal sealed record CardHolderInput(string? IdNat, string? Nom, string? Prenom, bool HealthProfessional);
