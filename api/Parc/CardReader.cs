using Dapper;
using Npgsql;

namespace CpxTeleservice.Parc;

/// <summary>
/// Reads cards from the <c>card_rows</c> view (migration 007), where a card's effective state is computed
/// once: one query per intent; a structure's parc is read through the caller's rights in SQL.
/// </summary>
public sealed class CardReader
{
    private const string Columns =
        """
        SELECT id, card_type, serial, state, holder_id_nat, holder_nom, holder_prenom, structure_id, profession,
               valid_from, valid_until, opposed_at, opposition_reason, order_id, version
        FROM card_rows
        """;

    /// <summary>
    /// A structure's parc, filtered, as its legal representative and mandataires see it (empty for anyone else);
    /// a holder is matched by IdNat or by the start of their nom. A null <c>@fetch</c> reads the whole selection.
    /// </summary>
    private const string ForStructure =
        $"""
        {Columns}
        WHERE structure_id = @structureId AND structure_id IN (SELECT structure_id FROM caller_structures(@callerIdNat))
          AND (@Type::text IS NULL OR card_type = @Type) AND (@State::text IS NULL OR state = @State)
          AND (@Holder::text IS NULL OR holder_id_nat = @Holder
               OR holder_nom ILIKE replace(replace(replace(@Holder, '\', '\\'), '%', '\%'), '_', '\_') || '%')
          AND (@ExpiringBefore::timestamptz IS NULL OR valid_until < @ExpiringBefore)
          AND (@after::uuid IS NULL OR id > @after)
        ORDER BY id LIMIT @fetch
        """;

    public async Task<IReadOnlyList<CardView>> ForStructureAsync(NpgsqlConnection connection, Guid structureId, string callerIdNat, CardFilter filter,
        Guid? after, int fetch, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<CardRow>(new CommandDefinition(ForStructure,
            new { structureId, callerIdNat, filter.Type, filter.State, filter.Holder, filter.ExpiringBefore, after, fetch = (int?)fetch },
            cancellationToken: cancellationToken));
        return rows.Select(r => r.ToView()).ToList();
    }

    /// <summary>The same selection, whole, streamed as it is read (the CSV export).</summary>
    internal IAsyncEnumerable<CardRow> StreamForStructureAsync(NpgsqlConnection connection, Guid structureId, string callerIdNat, CardFilter filter) =>
        connection.QueryUnbufferedAsync<CardRow>(ForStructure,
            new { structureId, callerIdNat, filter.Type, filter.State, filter.Holder, filter.ExpiringBefore, after = (Guid?)null, fetch = (int?)null });

    /// <summary>The cards of one holder.</summary>
    public async Task<IReadOnlyList<CardView>> ForHolderAsync(NpgsqlConnection connection, string holderIdNat, Guid? after, int fetch, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<CardRow>(new CommandDefinition(
            $"{Columns} WHERE holder_id_nat = @holderIdNat AND (@after::uuid IS NULL OR id > @after) ORDER BY id LIMIT @fetch",
            new { holderIdNat, after, fetch }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToView()).ToList();
    }

    /// <summary>One card with its certificates and history, or null.</summary>
    public async Task<CardView?> GetAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CardRow>(new CommandDefinition($"{Columns} WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var certificates = await connection.QueryAsync<CardCertificateView>(new CommandDefinition(
            """
            SELECT usage AS Usage, issuer AS Issuer, serial_number AS SerialNumber, subject AS Subject, thumbprint_sha256 AS ThumbprintSha256,
                   not_before AS NotBefore, not_after AS NotAfter, revoked_at AS RevokedAt
            FROM card_certificates WHERE card_id = @id ORDER BY not_before
            """, new { id }, cancellationToken: cancellationToken));
        var history = await connection.QueryAsync<CardEventView>(new CommandDefinition(
            "SELECT event AS Event, occurred_at AS OccurredAt, actor_id_nat AS Actor, detail AS Detail FROM card_events WHERE card_id = @id ORDER BY id",
            new { id }, cancellationToken: cancellationToken));
        return row.ToView(certificates.ToList(), history.ToList());
    }
}
