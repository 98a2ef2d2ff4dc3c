namespace CpxTeleservice.Bench;

/// <summary>What the bare benchmark endpoint answers: the caller's IdNat, nothing read beyond authentication.</summary>
internal sealed record BareResponse(string IdNat);
