namespace CpxTeleservice.Departures;

/// <summary>
/// What a departure changed: the cards put in opposition (holder-left), the orders cancelled, the orders
/// already in production (they can no longer be cancelled: their card is opposed once issued, or by a
/// later departure), and whether a mandate ended.
/// </summary>
public sealed record DepartureView(string HolderIdNat, IReadOnlyList<DepartureCard> OpposedCards, IReadOnlyList<Guid> CancelledOrders,
    IReadOnlyList<Guid> OrdersInProduction, bool MandateEnded);
