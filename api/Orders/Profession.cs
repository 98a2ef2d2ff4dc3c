namespace CpxTeleservice.Orders;

/// <summary>A profession of the dated catalogue, as in force on the day of the order.</summary>
public sealed record Profession(string Code, string Label, string Register, bool Issuable, bool SalariedOnly, bool CpfEligible);
