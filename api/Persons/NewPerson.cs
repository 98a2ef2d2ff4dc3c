namespace CpxTeleservice.Persons;

/// <summary>A person as a structure, an operator or an order names them.</summary>
public sealed record NewPerson(string IdNat, string? Nom, string? Prenom, string? Adeli, bool HealthProfessional);
