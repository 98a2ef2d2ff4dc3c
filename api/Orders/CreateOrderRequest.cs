namespace CpxTeleservice.Orders;

/// <summary>A structure's order: a CPS (ADELI profession, form 201), a CPE (form 301) or a CDE (form 101).</summary>
internal sealed record CreateOrderRequest(string? CardType, HolderInput? Holder, string? Profession, string? ModeExercice);
