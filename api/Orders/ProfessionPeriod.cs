namespace CpxTeleservice.Orders;

/// <summary>
/// One dated row of the profession catalogue: from <paramref name="ValidFrom"/> until <paramref name="ValidUntil"/>
/// (exclusive; null: still in force), a CPS for the profession is ordered through <paramref name="Channel"/>
/// (<c>adeli</c>: by the structure, with the ARS visa; <c>rpps</c>: issued after the registration in RPPS) or is
/// <c>not-issued</c>. <paramref name="RecordedBy"/> is the operator who added it (null for the seed's rows).
/// </summary>
public sealed record ProfessionPeriod(
    string Code,
    string Label,
    DateOnly ValidFrom,
    DateOnly? ValidUntil,
    string Channel,
    string Register,
    bool SalariedOnly,
    bool CpfEligible,
    string? RegisteredBy,
    string? RecordedBy,
    DateTime? RecordedAt)
{
    internal static ProfessionPeriod From(ProfessionPeriodRow row) => new(
        row.Code, row.Label, DateOnly.FromDateTime(row.ValidFrom), row.ValidUntil is { } until ? DateOnly.FromDateTime(until) : null,
        row.Channel, row.Register, row.SalariedOnly, row.CpfEligible, row.RegisteredBy, row.RecordedBy, row.RecordedAt);
}
