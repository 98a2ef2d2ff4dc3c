namespace CpxTeleservice.Orders;

/// <summary>The holder an order is for: their IdNat, their registry row when they have one, and whether they are a health professional.</summary>
internal sealed record OrderHolder(string IdNat, Guid? PersonId, bool HealthProfessional);
