namespace CpxTeleservice.Orders;

/// <summary>The filters of an order listing; null means any.</summary>
public sealed record OrderFilter(string? State, string? CardType, Guid? StructureId = null);
