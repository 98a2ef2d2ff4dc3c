using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Orders;

/// <summary>
/// Reads orders from the <c>order_rows</c> view (migration 007), one query per intent; every
/// structure-scoped read filters by the caller's rights in SQL. Expected dates are computed here, once.
/// </summary>
public sealed class OrderReader(ExpectedDates dates)
{
    private const string Columns =
        """
        SELECT id, structure_id, card_type, kind, state, profession, mode_exercice, new_codes, dossier_complete_at, card_shipped_at,
               card_received_at, codes_shipped_at, card_id, replaces_card_id, rejection_reason, created_at, holder_id_nat, holder_nom,
               holder_prenom, departement
        FROM order_rows
        """;

    /// <summary>
    /// The parameters of <see cref="ForStructure"/>. The route's structure is the only one: a filter's <c>StructureId</c>
    /// (the operators' listing) is not passed, since Dapper's parameter names ignore case and it would shadow <c>structureId</c>.
    /// </summary>
    internal static object PageParameters(Guid structureId, string callerIdNat, OrderFilter filter, Guid? after) =>
        filter.StructureId is null
            ? new { structureId, callerIdNat, filter.State, filter.CardType, after }
            : throw new ArgumentException("A structure's listing takes its structure from the route.", nameof(filter));

    /// <summary>A structure's page of orders through the caller's rights; a first page and a next page are two statements (<see cref="Keyset"/>).</summary>
    internal static string ForStructure(OrderFilter filter, Guid? after, int fetch) =>
        $"""
        {Columns}
        WHERE structure_id = @structureId AND structure_id IN (SELECT structure_id FROM caller_structures(@callerIdNat)){filter.Conditions()}
          {Keyset.After(after)}
        ORDER BY id {Keyset.Limit(fetch)}
        """;

    /// <summary>The orders of one holder, wherever they were placed, a first or a next page (<see cref="Keyset"/>).</summary>
    internal static string ForHolder(Guid? after, int fetch) =>
        $"""
        {Columns}
        WHERE holder_id_nat = @holderIdNat {Keyset.After(after)}
        ORDER BY id {Keyset.Limit(fetch)}
        """;

    /// <summary>Every order, for operators.</summary>
    public Task<IReadOnlyList<OrderView>> AllAsync(NpgsqlConnection connection, OrderFilter filter, Guid? after, int fetch, CancellationToken cancellationToken) =>
        QueryAsync(connection, $"""
            {Columns}
            WHERE true{filter.Conditions()} {Keyset.After(after)}
            ORDER BY id {Keyset.Limit(fetch)}
            """, new { filter.State, filter.CardType, filter.StructureId, after }, cancellationToken);

    /// <summary>Whether the caller sees the order: its structure's legal representative and mandataires, its holder, and operators.</summary>
    public static Task<bool> IsVisibleAsync(NpgsqlConnection connection, Guid orderId, Caller caller, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM orders o JOIN persons p ON p.id = o.holder_id WHERE o.id = @orderId
                           AND (@IsOperator OR o.structure_id IN (SELECT structure_id FROM caller_structures(@IdNat)) OR p.id_nat = @IdNat))
            """, new { orderId, caller.IdNat, caller.IsOperator }, cancellationToken: cancellationToken));

    /// <summary>One order (<c>@id</c>) and its history: two statements, one round trip; <see cref="ReadBackAsync"/> reads their results.</summary>
    internal const string ReadBack =
        $"""
        {Columns} WHERE id = @id;
        SELECT event AS Event, state AS State, occurred_at AS OccurredAt, recorded_at AS RecordedAt, actor_id_nat AS Actor, detail AS Detail
        FROM order_events WHERE order_id = @id ORDER BY id
        """;

    /// <summary>One order with its history, or null: both read in one round trip.</summary>
    public async Task<OrderView?> GetAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(ReadBack, new { id }, transaction, cancellationToken: cancellationToken));
        return await ReadBackAsync(results);
    }

    /// <summary>The order and its history from the results of <see cref="ReadBack"/>; null when the order does not exist.</summary>
    internal async Task<OrderView?> ReadBackAsync(SqlMapper.GridReader results)
    {
        var (row, history) = await ReadRowAsync(results);
        return row is null ? null : ToView(row, history);
    }

    /// <summary>The row and history of <see cref="ReadBack"/>, not yet a view (its expected dates are the reader's to compute).</summary>
    internal static async Task<(OrderRow? Row, List<OrderEventView> History)> ReadRowAsync(SqlMapper.GridReader results) =>
        (await results.ReadSingleOrDefaultAsync<OrderRow>(), (await results.ReadAsync<OrderEventView>()).AsList());

    private async Task<IReadOnlyList<OrderView>> QueryAsync(NpgsqlConnection connection, string sql, object parameters, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<OrderRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
        return rows.Select(r => ToView(r, null)).ToList();
    }

    /// <summary>Rows read elsewhere (read ahead by authentication), as views.</summary>
    internal IReadOnlyList<OrderView> Views(IEnumerable<OrderRow> rows) => rows.Select(r => ToView(r, null)).ToList();

    internal OrderView ToView(OrderRow r, IReadOnlyList<OrderEventView>? history)
    {
        // A rejected or cancelled order expects nothing.
        var cardDate = r.State is "rejected" or "cancelled" ? null : dates.CardDate(r.DossierCompleteAt, r.Departement);
        return new OrderView(r.Id, r.StructureId, r.CardType, r.Kind, r.State, new HolderView(r.HolderIdNat, r.HolderNom, r.HolderPrenom),
            r.Profession, r.ModeExercice, r.NewCodes, r.DossierCompleteAt, cardDate,
            cardDate is null && r.CardReceivedAt is null ? null : dates.CodesDate(r.NewCodes, r.CardReceivedAt, cardDate, r.Departement),
            r.CardShippedAt, r.CardReceivedAt, r.CodesShippedAt, r.CardId, r.ReplacesCardId, r.RejectionReason, r.CreatedAt, history);
    }
}
