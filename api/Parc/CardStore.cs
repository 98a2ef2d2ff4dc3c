using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>
/// Every write to <c>cards</c> and <c>card_events</c>: registering a card already in the field, issuing
/// one from an order (with serial allocation), opposition, and the renewal ordered on a card. Each
/// runs inside the caller's transaction.
/// </summary>
public static class CardStore
{
    private const int SerialAttempts = 8;

    /// <summary>Registers a card already in the field; false when its serial is taken.</summary>
    public static async Task<bool> RegisterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cardId, NewCard card, string actorIdNat,
        CancellationToken cancellationToken)
    {
        if (!await TryInsertAsync(connection, transaction, cardId, card, card.Serial!, cancellationToken))
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO card_events (card_id, event, actor_id_nat) VALUES (@cardId, 'registered', @actorIdNat)",
            new { cardId, actorIdNat }, transaction, cancellationToken: cancellationToken));
        return true;
    }

    /// <summary>
    /// Issues the card an order produced: in the parc, active, with the given serial or a unique one
    /// allocated here. Null when the given serial is taken.
    /// </summary>
    public static async Task<Guid?> IssueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewCard card, string actorIdNat, string detail,
        CancellationToken cancellationToken)
    {
        var cardId = Guid.CreateVersion7();
        for (var attempt = 0; attempt < SerialAttempts; attempt++)
        {
            if (await TryInsertAsync(connection, transaction, cardId, card, card.Serial ?? AllocateSerial(), cancellationToken))
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO card_events (card_id, event, occurred_at, actor_id_nat, detail) VALUES (@cardId, 'issued', @ValidFrom, @actorIdNat, @detail)",
                    new { cardId, card.ValidFrom, actorIdNat, detail }, transaction, cancellationToken: cancellationToken));
                return cardId;
            }

            if (card.Serial is not null)
            {
                return null;
            }
        }

        throw new InvalidOperationException("Could not allocate a unique card serial.");
    }

    /// <summary>Puts a card in opposition: out of service at once (authentication reads this row on every request), its certificates revoked.</summary>
    public static Task OpposeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cardId, string reason, string actorIdNat,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE cards SET state = 'opposition', opposed_at = cpx_now(), opposition_reason = @reason, version = version + 1, updated_at = cpx_now() WHERE id = @cardId;
            UPDATE card_certificates SET revoked_at = cpx_now() WHERE card_id = @cardId AND revoked_at IS NULL;
            INSERT INTO card_events (card_id, event, actor_id_nat, detail) VALUES (@cardId, 'opposition', @actorIdNat, @reason);
            """, new { reason, cardId, actorIdNat }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// A register's radiation puts the professionals' active professional cards (CPS, CPF) of the given
    /// professions in opposition, set-based; staff cards stay. Returns the number of cards put in opposition.
    /// </summary>
    public static Task<int> OpposeRadiatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] idNats, string[] professions, string actorIdNat,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            WITH opposed AS (
                UPDATE cards c SET state = 'opposition', opposed_at = cpx_now(), opposition_reason = 'radiation', version = c.version + 1, updated_at = cpx_now()
                FROM persons p LEFT JOIN professionals pr ON pr.person_id = p.id
                WHERE p.id = c.holder_id AND p.id_nat = ANY(@idNats) AND c.state = 'active'
                  AND c.card_type IN ('CPS', 'CPF') AND COALESCE(c.profession, pr.profession) = ANY(@professions)
                RETURNING c.id
            ), revoked AS (
                UPDATE card_certificates SET revoked_at = cpx_now() WHERE card_id IN (SELECT id FROM opposed) AND revoked_at IS NULL
            )
            INSERT INTO card_events (card_id, event, actor_id_nat, detail) SELECT id, 'opposition', @actorIdNat, 'radiation' FROM opposed
            """, new { idNats, professions, actorIdNat }, transaction, cancellationToken: cancellationToken));

    /// <summary>Records on the card that its renewal was ordered (a new version: its ETag changes).</summary>
    public static Task RenewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cardId, Guid orderId, string? actorIdNat,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE cards SET version = version + 1, updated_at = cpx_now() WHERE id = @cardId;
            INSERT INTO card_events (card_id, event, actor_id_nat, detail) VALUES (@cardId, 'renewal-ordered', @actorIdNat, 'order ' || @orderId);
            """, new { cardId, orderId, actorIdNat }, transaction, cancellationToken: cancellationToken));

    private static async Task<bool> TryInsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid cardId, NewCard card, string serial,
        CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO cards (id, card_type, serial, holder_id, structure_id, profession, valid_from, valid_until, order_id)
            VALUES (@cardId, @CardType, @serial, @HolderId, @StructureId, @Profession, @ValidFrom, @ValidUntil, @OrderId)
            ON CONFLICT (serial) DO NOTHING
            """, new { cardId, card.CardType, serial, card.HolderId, card.StructureId, card.Profession, card.ValidFrom, card.ValidUntil, card.OrderId },
            transaction, cancellationToken: cancellationToken)) == 1;

    private static string AllocateSerial() => RandomNumberGenerator.GetInt32(1_000_000_000, int.MaxValue).ToString("D10");

    /// <summary>A card serial as the token id carries it: ten digits.</summary>
    public static bool IsSerial(string value) => value.Length == 10 && value.All(char.IsAsciiDigit);
}
