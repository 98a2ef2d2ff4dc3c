namespace CpxTeleservice.Admin;

/// <summary>
/// A dated change of the profession catalogue: from <paramref name="From"/> on, a CPS for the profession is
/// ordered through <paramref name="Channel"/> (<c>adeli</c>, <c>rpps</c>) or is <c>not-issued</c>. The other
/// fields default to the row in force on that date.
/// </summary>
internal sealed record ProfessionChangeRequest(
    DateOnly? From,
    string? Channel,
    string? Label,
    bool? SalariedOnly,
    bool? CpfEligible,
    string? RegisteredBy);
