using Dapper;
using Npgsql;

namespace CpxTeleservice.Orders;

/// <summary>
/// The dated profession catalogue (TRE_G15 codes) of migration 002 and the rows operators add since
/// (migration 010), and its one writer. At any date one row is in force per code; dates are French civil
/// dates, so an instant is looked up by its day in Paris.
/// </summary>
internal static class ProfessionCatalogue
{
    private const string Columns =
        "code AS Code, label AS Label, register AS Register, issuable AS Issuable, salaried_only AS SalariedOnly, cpf_eligible AS CpfEligible, registered_by AS RegisteredBy";

    /// <summary>The profession as the dated catalogue has it on <paramref name="day"/>.</summary>
    public static Task<Profession?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string code, DateOnly day, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<Profession?>(new CommandDefinition(
            $"""
            SELECT {Columns}
            FROM professions
            WHERE code = @code AND valid_from <= @day::date AND (valid_until IS NULL OR valid_until > @day::date)
            """, new { code, day = day.ToDateTime(TimeOnly.MinValue) }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The profession as the catalogue has it at <paramref name="instant"/>, on that instant's day in Paris; when
    /// null, at the time of the transaction (the instant an order placed in it is created at).
    /// </summary>
    public static Task<Profession?> FindAtAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string code, DateTimeOffset? instant,
        CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<Profession?>(new CommandDefinition(
            $"""
            SELECT {Columns}
            FROM professions, (SELECT (COALESCE(@instant, cpx_now()) AT TIME ZONE 'Europe/Paris')::date AS day) d
            WHERE code = @code AND valid_from <= d.day AND (valid_until IS NULL OR valid_until > d.day)
            """, new { code, instant }, transaction, cancellationToken: cancellationToken));

    /// <summary>Every dated row of one profession, oldest first; empty for a code the catalogue does not know.</summary>
    public static async Task<IReadOnlyList<ProfessionPeriod>> HistoryAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string code,
        CancellationToken cancellationToken) =>
        (await connection.QueryAsync<ProfessionPeriodRow>(new CommandDefinition(
            """
            SELECT code AS Code, label AS Label, valid_from AS ValidFrom, valid_until AS ValidUntil,
                   CASE WHEN NOT issuable THEN 'not-issued' WHEN register = 'RPPS' THEN 'rpps' ELSE 'adeli' END AS Channel,
                   register AS Register, salaried_only AS SalariedOnly, cpf_eligible AS CpfEligible, registered_by AS RegisteredBy,
                   recorded_by AS RecordedBy, recorded_at AS RecordedAt
            FROM professions WHERE code = @code ORDER BY valid_from
            """, new { code }, transaction, cancellationToken: cancellationToken))).Select(ProfessionPeriod.From).ToList();

    /// <summary>
    /// Adds the row of a change from <see cref="ProfessionChange.From"/>: it ends where the next dated row
    /// begins, and the row in force on that date so far now ends there. Returns false when the profession
    /// already has a row from that date. Changes of one code are serialised by a lock on its rows.
    /// </summary>
    public static async Task<bool> AddChangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ProfessionChange change, string recordedBy,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended('professions:' || @Code, 0))", new { change.Code }, transaction, cancellationToken: cancellationToken));
        var from = change.From.ToDateTime(TimeOnly.MinValue);
        if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM professions WHERE code = @Code AND valid_from = @from::date)", new { change.Code, from }, transaction,
                cancellationToken: cancellationToken)))
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO professions (code, label, valid_from, valid_until, register, issuable, salaried_only, cpf_eligible, registered_by, recorded_by, recorded_at)
            VALUES (@Code, @Label, @from::date,
                    (SELECT min(valid_from) FROM professions WHERE code = @Code AND valid_from > @from::date),
                    @Register, @Issuable, @SalariedOnly, @CpfEligible, @RegisteredBy, @recordedBy, cpx_now());
            UPDATE professions SET valid_until = @from::date
            WHERE code = @Code AND valid_from < @from::date AND (valid_until IS NULL OR valid_until > @from::date);
            """, new { change.Code, change.Label, from, change.Register, change.Issuable, change.SalariedOnly, change.CpfEligible, change.RegisteredBy, recordedBy },
            transaction, cancellationToken: cancellationToken));
        return true;
    }
}
