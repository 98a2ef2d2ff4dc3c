namespace CpxTeleservice.Infrastructure;

/// <summary>A page of a list: the items and, when more follow, the cursor of the next page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
