namespace CpxTeleservice.Structures;

/// <summary>The legal representative as the paper contract names them.</summary>
internal sealed record LegalRepresentativeInput(string? IdNat, string? Nom, string? Prenom, bool HealthProfessional);
