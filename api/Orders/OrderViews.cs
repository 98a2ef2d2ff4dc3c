using CpxTeleservice.Domain;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice.Orders;

public sealed record HolderView(string IdNat, string Nom, string Prenom);

public sealed record OrderEventView(string Event, string State, DateTime OccurredAt, DateTime RecordedAt, string? Actor, string? Detail);

/// <summary>An order with its expected dates in working days (seed 004 §5).</summary>
public sealed record OrderView(
    Guid Id,
    Guid? StructureId,
    string CardType,
    string Kind,
    string State,
    HolderView Holder,
    string? Profession,
    string? ModeExercice,
    bool NewCodes,
    DateTime? DossierCompleteAt,
    DateOnly? ExpectedCardDate,
    DateOnly? ExpectedCodesDate,
    DateTime? CardShippedAt,
    DateTime? CardReceivedAt,
    DateTime? CodesShippedAt,
    Guid? CardId,
    Guid? ReplacesCardId,
    string? RejectionReason,
    DateTime CreatedAt,
    IReadOnlyList<OrderEventView>? History);

/// <summary>The delays of seed 004 §5, from configuration (Delays__CardWorkingDays, Delays__CodesWorkingHours).</summary>
public sealed class ExpectedDates(IOptions<DelaysOptions> options)
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private readonly int _cardDays = options.Value.CardWorkingDays;
    private readonly int _codesHours = options.Value.CodesWorkingHours;

    /// <summary>The card is produced within N working days of the complete dossier.</summary>
    public DateOnly? CardDate(DateTime? dossierCompleteAt, string? departement) =>
        dossierCompleteAt is { } complete
            ? WorkingDayCalendar.Default.AddWorkingDays(LocalDate(complete), _cardDays, WorkingDayCalendar.IsAlsaceMoselle(departement))
            : null;

    /// <summary>
    /// New codes are mailed within N working hours after the card is received; before it is, from
    /// the start of its expected day. A renewal keeps the old codes: no date.
    /// </summary>
    public DateOnly? CodesDate(bool newCodes, DateTime? cardReceivedAt, DateOnly? expectedCardDate, string? departement)
    {
        if (!newCodes)
        {
            return null;
        }

        DateTimeOffset? start = cardReceivedAt is { } received
            ? new DateTimeOffset(DateTime.SpecifyKind(received, DateTimeKind.Utc))
            : expectedCardDate is { } day
                ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), Paris.GetUtcOffset(day.ToDateTime(TimeOnly.MinValue)))
                : null;
        if (start is null)
        {
            return null;
        }

        var end = WorkingDayCalendar.Default.AddWorkingHours(start.Value, _codesHours, WorkingDayCalendar.IsAlsaceMoselle(departement), Paris);
        return DateOnly.FromDateTime(end.DateTime);
    }

    private static DateOnly LocalDate(DateTime utc) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Paris));
}

/// <summary>Reads orders; every structure-scoped read filters by the caller's rights in SQL.</summary>
public sealed class OrderReader(ExpectedDates dates)
{
    private sealed class Row
    {
        public Guid Id { get; set; }
        public Guid? StructureId { get; set; }
        public string CardType { get; set; } = "";
        public string Kind { get; set; } = "";
        public string State { get; set; } = "";
        public string? Profession { get; set; }
        public string? ModeExercice { get; set; }
        public bool NewCodes { get; set; }
        public DateTime? DossierCompleteAt { get; set; }
        public DateTime? CardShippedAt { get; set; }
        public DateTime? CardReceivedAt { get; set; }
        public DateTime? CodesShippedAt { get; set; }
        public Guid? CardId { get; set; }
        public Guid? ReplacesCardId { get; set; }
        public string? RejectionReason { get; set; }
        public DateTime CreatedAt { get; set; }
        public string HolderIdNat { get; set; } = "";
        public string HolderNom { get; set; } = "";
        public string HolderPrenom { get; set; } = "";
        public string? Departement { get; set; }
    }

    public const string Select =
        """
        SELECT o.id, o.structure_id, o.card_type, o.kind, o.state, o.profession, o.mode_exercice, o.new_codes,
               o.dossier_complete_at, o.card_shipped_at, o.card_received_at, o.codes_shipped_at, o.card_id, o.replaces_card_id,
               o.rejection_reason, o.created_at, p.id_nat AS holder_id_nat, p.nom AS holder_nom, p.prenom AS holder_prenom, COALESCE(s.departement, o.departement) AS departement
        FROM orders o JOIN persons p ON p.id = o.holder_id LEFT JOIN structures s ON s.id = o.structure_id
        """;

    public async Task<IReadOnlyList<OrderView>> QueryAsync(NpgsqlConnection connection, string where, object parameters, CancellationToken cancellationToken,
        NpgsqlTransaction? transaction = null)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"{Select} {where}", parameters, transaction, cancellationToken: cancellationToken));
        return rows.Select(r => ToView(r, null)).ToList();
    }

    /// <summary>One order with its history, or null.</summary>
    public async Task<OrderView?> GetAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"{Select} WHERE o.id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var history = await connection.QueryAsync<OrderEventView>(new CommandDefinition(
            """
            SELECT event AS Event, state AS State, occurred_at AS OccurredAt, recorded_at AS RecordedAt, actor_id_nat AS Actor, detail AS Detail
            FROM order_events WHERE order_id = @id ORDER BY id
            """, new { id }, transaction, cancellationToken: cancellationToken));
        return ToView(row, history.ToList());
    }

    private OrderView ToView(Row r, IReadOnlyList<OrderEventView>? history)
    {
        // A rejected or cancelled order expects nothing.
        var cardDate = r.State is "rejected" or "cancelled" ? null : dates.CardDate(r.DossierCompleteAt, r.Departement);
        return new OrderView(r.Id, r.StructureId, r.CardType, r.Kind, r.State, new HolderView(r.HolderIdNat, r.HolderNom, r.HolderPrenom),
            r.Profession, r.ModeExercice, r.NewCodes, r.DossierCompleteAt, cardDate,
            cardDate is null && r.CardReceivedAt is null ? null : dates.CodesDate(r.NewCodes, r.CardReceivedAt, cardDate, r.Departement),
            r.CardShippedAt, r.CardReceivedAt, r.CodesShippedAt, r.CardId, r.ReplacesCardId, r.RejectionReason, r.CreatedAt, history);
    }
}
