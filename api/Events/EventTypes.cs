namespace CpxTeleservice.Events;

/// <summary>The event types a structure's software receives; openapi.yaml describes each payload.</summary>
internal static class EventTypes
{
    public static readonly string[] All =
    [
        "order.placed", "order.visa-granted", "order.visa-refused", "order.dossier-complete", "order.in-production",
        "order.card-shipped", "order.card-received", "order.codes-shipped", "order.completed", "order.rejected", "order.cancelled",
        "card.opposed", "card.expiring",
        "mandate.designated", "mandate.revoked", "mandate.ended",
    ];
}
