namespace CpxTeleservice.Structures;

/// <summary>The structure's legal representative.</summary>
public sealed record LegalRepresentativeView(string IdNat, string Nom, string Prenom, bool HealthProfessional);
