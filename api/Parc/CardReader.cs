using CpxTeleservice.Infrastructure;
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
    /// a holder is matched by IdNat or by the start of their nom. A first page and a next page are two statements (<see cref="Keyset"/>).
    /// </summary>
    internal static string ForStructure(CardFilter filter, Guid? after, int fetch) =>
        $"""
        {Columns}
        WHERE structure_id = @structureId AND structure_id IN (SELECT structure_id FROM caller_structures(@callerIdNat)){filter.Conditions()}
          {Keyset.After(after)}
        ORDER BY id {Keyset.Limit(fetch)}
        """;

    /// <summary>
    /// The rows the CSV export reads per statement: each chunk walks the structure's index from the last id, no sort, no
    /// scan of all holders. The export holds two at most (one written, the next read meanwhile: <see cref="ParcExport"/>).
    /// </summary>
    internal const int ExportChunk = 2500;

    /// <summary>A page of <see cref="ForStructure"/>, read whole.</summary>
    internal static async Task<List<CardRow>> PageAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid structureId, string callerIdNat,
        CardFilter filter, Guid? after, int fetch, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<CardRow>(new CommandDefinition(ForStructure(filter, after, fetch),
            PageParameters(structureId, callerIdNat, filter, after), transaction, cancellationToken: cancellationToken))).AsList();

    /// <summary>The parameters of <see cref="ForStructure"/>.</summary>
    internal static object PageParameters(Guid structureId, string callerIdNat, CardFilter filter, Guid? after) =>
        new { structureId, callerIdNat, filter.Type, filter.State, filter.Holder, filter.ExpiringBefore, after };

    /// <summary>The cards of one holder, a first or a next page (<see cref="Keyset"/>).</summary>
    internal static string ForHolder(Guid? after, int fetch) => $"{Columns} WHERE holder_id_nat = @holderIdNat {Keyset.After(after)} ORDER BY id {Keyset.Limit(fetch)}";

    /// <summary>One card (<c>@id</c>), its certificates and its history: three statements, read by <see cref="ReadCardAsync"/>.</summary>
    internal const string CardWithHistory =
        $"""
        {Columns} WHERE id = @id;
        SELECT usage AS Usage, issuer AS Issuer, serial_number AS SerialNumber, subject AS Subject, thumbprint_sha256 AS ThumbprintSha256,
               not_before AS NotBefore, not_after AS NotAfter, revoked_at AS RevokedAt
        FROM card_certificates WHERE card_id = @id ORDER BY not_before;
        SELECT event AS Event, occurred_at AS OccurredAt, actor_id_nat AS Actor, detail AS Detail FROM card_events WHERE card_id = @id ORDER BY id
        """;

    /// <summary>One card with its certificates and history, or null: the three read in one round trip.</summary>
    public async Task<CardView?> GetAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(CardWithHistory, new { id }, cancellationToken: cancellationToken));
        return await ReadCardAsync(results);
    }

    /// <summary>The results of <see cref="CardWithHistory"/>: the card, or null.</summary>
    internal static async Task<CardView?> ReadCardAsync(SqlMapper.GridReader results)
    {
        var row = await results.ReadSingleOrDefaultAsync<CardRow>();
        var certificates = (await results.ReadAsync<CardCertificateView>()).ToList();
        var history = (await results.ReadAsync<CardEventView>()).ToList();
        return row?.ToView(certificates, history);
    }
}
