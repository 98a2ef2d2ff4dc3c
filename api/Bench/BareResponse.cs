namespace CpxTeleservice.Bench;

/// <summary>What the bare benchmark endpoint answers: the caller's IdNat, nothing read beyond authentication.</summary>
public sealed record BareResponse(string IdNat);
