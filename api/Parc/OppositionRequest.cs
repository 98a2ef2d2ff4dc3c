namespace CpxTeleservice.Parc;

/// <summary>An opposition: its reason, and whether a replacement (new codes) is ordered with it.</summary>
internal sealed record OppositionRequest(string? Reason, bool Replacement);
