namespace CpxTeleservice.Structures;

/// <summary>An active mandataire: who, since when, designated by whom, and until when (null: until revoked).</summary>
internal sealed record MandataireView(string IdNat, string Nom, string Prenom, DateTime DesignatedAt, string DesignatedBy, DateTime? EndsAt);
