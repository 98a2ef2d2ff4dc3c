namespace CpxTeleservice.Parc;

/// <summary>The filters of a parc listing; the CSV export applies the same selection.</summary>
public sealed record CardFilter(string? Type, string? State, string? Holder, DateTime? ExpiringBefore);
