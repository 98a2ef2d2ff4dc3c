namespace CpxTeleservice.Orders;

/// <summary>A dated row to add to the profession catalogue: from <paramref name="From"/> on, the profession is as described.</summary>
internal sealed record ProfessionChange(
    string Code,
    string Label,
    DateOnly From,
    string Register,
    bool Issuable,
    bool SalariedOnly,
    bool CpfEligible,
    string? RegisteredBy);
