using CpxTeleservice.Orders;

namespace CpxTeleservice.Admin;

/// <summary>A profession of the catalogue with its dated rows, oldest first.</summary>
internal sealed record ProfessionView(string Code, IReadOnlyList<ProfessionPeriod> Periods);
