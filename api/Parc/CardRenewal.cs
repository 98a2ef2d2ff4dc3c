using CpxTeleservice.Orders;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>A renewal ordered on a card, by its structure or by the automatic renewal: the order and the card's history together.</summary>
internal static class CardRenewal
{
    /// <summary>The renewal order's id, or null when a live renewal of the card exists.</summary>
    public static async Task<Guid?> OrderAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RenewalOf card, string? actorIdNat,
        string? actorCardSerial, CancellationToken cancellationToken)
    {
        var orderId = await OrderStore.TryPlaceRenewalAsync(connection, transaction, card, actorIdNat, actorCardSerial, cancellationToken);
        if (orderId is { } id)
        {
            await CardStore.RenewAsync(connection, transaction, card.CardId, id, actorIdNat, cancellationToken);
        }

        return orderId;
    }
}
