namespace CpxTeleservice.Orders;

/// <summary>ARS visa decisions on orders awaiting them, one element per decision (arrays of equal length).</summary>
public sealed record VisaDecisionBatch(Guid[] OrderIds, bool[] Granted, string[] Reasons, DateTime?[] DecidedAt);
