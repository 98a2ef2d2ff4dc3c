namespace CpxTeleservice.Departures;

/// <summary>A holder who leaves the structure, named by their IdNat.</summary>
public sealed record DepartureRequest(string? IdNat);
