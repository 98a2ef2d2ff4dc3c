namespace CpxTeleservice.Orders;

/// <summary>The holder of an ordered card, as the structure names them.</summary>
internal sealed record HolderInput(string? IdNat, string? Nom, string? Prenom, string? Adeli, bool? HealthProfessional);
