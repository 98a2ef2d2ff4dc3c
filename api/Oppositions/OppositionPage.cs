namespace CpxTeleservice.Oppositions;

/// <summary>Oppositions in the order they happened; <c>next</c> is the cursor to send as <c>after</c> next time.</summary>
public sealed record OppositionPage(IReadOnlyList<OppositionView> Items, string Next);
