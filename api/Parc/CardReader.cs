using Dapper;
using Npgsql;

namespace CpxTeleservice.Parc;

public sealed record CardCertificateView(string Usage, string Issuer, string SerialNumber, string Subject, string ThumbprintSha256, DateTime NotBefore, DateTime NotAfter, DateTime? RevokedAt);

public sealed record CardEventView(string Event, DateTime OccurredAt, string? Actor, string? Detail);

/// <summary>A card of the parc. <c>State</c> is active, opposition, or expired (an active card past its validity).</summary>
public sealed record CardView(
    Guid Id,
    string CardType,
    string Serial,
    string State,
    string HolderIdNat,
    string HolderNom,
    string HolderPrenom,
    Guid? StructureId,
    string? Profession,
    DateTime ValidFrom,
    DateTime ValidUntil,
    DateTime? OpposedAt,
    string? OppositionReason,
    Guid? OrderId,
    IReadOnlyList<CardCertificateView>? Certificates,
    IReadOnlyList<CardEventView>? History)
{
    public int Version { get; init; }
}

/// <summary>The filters of a parc listing; the CSV export applies the same selection.</summary>
public sealed record CardFilter(string? Type, string? State, string? Holder, DateTime? ExpiringBefore);

public sealed class CardReader
{
    internal sealed class Row
    {
        public Guid Id { get; set; }
        public string CardType { get; set; } = "";
        public string Serial { get; set; } = "";
        public string State { get; set; } = "";
        public string HolderIdNat { get; set; } = "";
        public string HolderNom { get; set; } = "";
        public string HolderPrenom { get; set; } = "";
        public Guid? StructureId { get; set; }
        public string? Profession { get; set; }
        public DateTime ValidFrom { get; set; }
        public DateTime ValidUntil { get; set; }
        public DateTime? OpposedAt { get; set; }
        public string? OppositionReason { get; set; }
        public Guid? OrderId { get; set; }
        public int Version { get; set; }

        public CardView ToView(IReadOnlyList<CardCertificateView>? certificates = null, IReadOnlyList<CardEventView>? history = null) =>
            new(Id, CardType, Serial, State, HolderIdNat, HolderNom, HolderPrenom, StructureId, Profession, ValidFrom, ValidUntil, OpposedAt, OppositionReason, OrderId,
                certificates, history) { Version = Version };
    }

    // An active card past its validity reads as expired: the state is derived, never stored stale.
    public const string Select =
        """
        SELECT c.id, c.card_type, c.serial,
               CASE WHEN c.state = 'active' AND c.valid_until <= now() THEN 'expired' ELSE c.state END AS state,
               p.id_nat AS holder_id_nat, p.nom AS holder_nom, p.prenom AS holder_prenom, c.structure_id, c.profession,
               c.valid_from, c.valid_until, c.opposed_at, c.opposition_reason, c.order_id, c.version
        FROM cards c JOIN persons p ON p.id = c.holder_id
        """;

    /// <summary>The SQL condition of a <see cref="CardFilter"/>, over parameters of the same names.</summary>
    public const string FilterSql =
        """
        (@Type::text IS NULL OR c.card_type = @Type)
        AND (@State::text IS NULL
             OR (@State = 'expired' AND c.state = 'active' AND c.valid_until <= now())
             OR (@State = 'active' AND c.state = 'active' AND c.valid_until > now())
             OR (@State = 'opposition' AND c.state = 'opposition'))
        AND (@Holder::text IS NULL OR p.id_nat = @Holder OR p.nom ILIKE replace(replace(replace(@Holder, '\', '\\'), '%', '\%'), '_', '\_') || '%')
        AND (@ExpiringBefore::timestamptz IS NULL OR c.valid_until < @ExpiringBefore)
        """;

    public async Task<IReadOnlyList<CardView>> QueryAsync(NpgsqlConnection connection, string where, object parameters, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition($"{Select} {where}", parameters, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToView()).ToList();
    }

    internal IAsyncEnumerable<Row> StreamAsync(NpgsqlConnection connection, string where, object parameters) =>
        connection.QueryUnbufferedAsync<Row>($"{Select} {where}", parameters);

    /// <summary>One card with its certificates and history, or null.</summary>
    public async Task<CardView?> GetAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition($"{Select} WHERE c.id = @id", new { id }, cancellationToken: cancellationToken));
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

    private static readonly System.Text.Json.JsonSerializerOptions ETagJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>
    /// A strong validator of the card's representation (RFC 9110 §8.8.3): a digest of all it shows,
    /// certificates, history and the derived state included, so any change of what a client sees changes it.
    /// </summary>
    public static string ETag(CardView card)
    {
        var digest = System.Security.Cryptography.SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(card, ETagJson));
        return "\"" + System.Buffers.Text.Base64Url.EncodeToString(digest.AsSpan(0, 18)) + "\"";
    }

    /// <summary>If-None-Match (RFC 9110 §13.1.2): a list of tags, weak or strong, or *.</summary>
    public static bool NoneMatch(string? header, string etag) =>
        !string.IsNullOrEmpty(header)
        && header.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == etag || t == "W/" + etag);
}
