namespace CpxTeleservice.Orders;

/// <summary>
/// A profession of the dated catalogue, as in force on the day of the order. <paramref name="RegisteredBy"/>
/// names who registers the professionals of an RPPS profession (null: their Ordre).
/// </summary>
public sealed record Profession(string Code, string Label, string Register, bool Issuable, bool SalariedOnly, bool CpfEligible, string? RegisteredBy = null);
