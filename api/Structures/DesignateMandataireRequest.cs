namespace CpxTeleservice.Structures;

/// <summary>The IdNat of the person to designate as mandataire.</summary>
internal sealed record DesignateMandataireRequest(string? IdNat);
