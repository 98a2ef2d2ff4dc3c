namespace CpxTeleservice.Structures;

/// <summary>The IdNat of the person to designate as mandataire.</summary>
public sealed record DesignateMandataireRequest(string? IdNat);
