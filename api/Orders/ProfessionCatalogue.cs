using Dapper;
using Npgsql;

namespace CpxTeleservice.Orders;

/// <summary>The dated profession catalogue (TRE_G15 codes) of migration 002 and its successors.</summary>
internal static class ProfessionCatalogue
{
    /// <summary>The profession as the dated catalogue has it on <paramref name="day"/>.</summary>
    public static Task<Profession?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string code, DateOnly day, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<Profession?>(new CommandDefinition(
            """
            SELECT code AS Code, label AS Label, register AS Register, issuable AS Issuable, salaried_only AS SalariedOnly, cpf_eligible AS CpfEligible
            FROM professions
            WHERE code = @code AND valid_from <= @day::date AND (valid_until IS NULL OR valid_until > @day::date)
            """, new { code, day = day.ToDateTime(TimeOnly.MinValue) }, transaction, cancellationToken: cancellationToken));
}
