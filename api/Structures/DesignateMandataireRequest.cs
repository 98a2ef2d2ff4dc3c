namespace CpxTeleservice.Structures;

/// <summary>The IdNat of the person to designate as mandataire, and when the mandate ends by itself (none: until revoked).</summary>
internal sealed record DesignateMandataireRequest(string? IdNat, DateTimeOffset? EndsAt = null);
