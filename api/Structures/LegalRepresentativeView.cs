namespace CpxTeleservice.Structures;

/// <summary>The structure's legal representative.</summary>
internal sealed record LegalRepresentativeView(string IdNat, string Nom, string Prenom, bool HealthProfessional);
