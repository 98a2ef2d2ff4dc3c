using System.Text.RegularExpressions;
using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Admin;

/// <summary>
/// Operators keep the dated profession catalogue without a release (docs/domain.md: which profession goes
/// through which register is dated data): they read a profession's rows and add one from a date, audited.
/// </summary>
internal static partial class ProfessionChanges
{
    public static readonly string[] Channels = ["adeli", "rpps", "not-issued"];

    private const int MaxTextLength = 100;

    public static async Task<Results<Ok<ProfessionView>, ProblemHttpResult>> Get(string code, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var periods = await ProfessionCatalogue.HistoryAsync(connection, null, code, cancellationToken);
        return periods.Count == 0 ? Problem.NotFound("profession with this code") : TypedResults.Ok(new ProfessionView(code, periods));
    }

    public static async Task<Results<Created<ProfessionView>, ProblemHttpResult>> Add(
        string code, ProfessionChangeRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (!Code().IsMatch(code))
        {
            errors.Add("code", "is a TRE_G15 code or a local code: 1 to 10 capital letters and digits.");
        }

        if (request.From is null)
        {
            errors.Add("from", "is required: the first day (YYYY-MM-DD) the change applies.");
        }

        errors.Required("channel", request.Channel).OneOf("channel", request.Channel, Channels);
        if (request.Label is { } label && (string.IsNullOrWhiteSpace(label) || label.Length > MaxTextLength))
        {
            errors.Add("label", $"when given, is 1 to {MaxTextLength} characters.");
        }

        if (request.RegisteredBy is { } registeredBy && (request.Channel != "rpps" || string.IsNullOrWhiteSpace(registeredBy) || registeredBy.Length > MaxTextLength))
        {
            errors.Add("registeredBy", $"names, in 1 to {MaxTextLength} characters, who registers the professionals of an rpps channel only.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var from = request.From!.Value;
        var history = await ProfessionCatalogue.HistoryAsync(connection, transaction, code, cancellationToken);
        // Unset fields keep what the row in force on that date says (or the nearest row, for a date outside them all).
        var basis = history.LastOrDefault(p => p.ValidFrom <= from) ?? history.FirstOrDefault();
        if (basis is null && request.Label is null)
        {
            return new FieldErrors().Add("label", "is required for a profession the catalogue does not have yet.").ToProblem();
        }

        var change = new ProfessionChange(code, request.Label?.Trim() ?? basis!.Label, from,
            request.Channel switch { "rpps" => "RPPS", "adeli" => "ADELI", _ => basis?.Register ?? "ADELI" },
            Issuable: request.Channel != "not-issued",
            request.SalariedOnly ?? basis?.SalariedOnly ?? false,
            request.CpfEligible ?? basis?.CpfEligible ?? false,
            request.RegisteredBy?.Trim());
        if (!await ProfessionCatalogue.AddChangeAsync(connection, transaction, change, caller.IdNat, cancellationToken))
        {
            return Problem.Conflict(ProblemTypes.ProfessionChangeExists, "The profession already has a row from this date",
                $"Profession {code} already changes on {from:yyyy-MM-dd}: add a change from another date.");
        }

        await http.AuditAsync(connection, transaction, null, $"profession {code}", $"from {from:yyyy-MM-dd}: {request.Channel}");
        var view = new ProfessionView(code, await ProfessionCatalogue.HistoryAsync(connection, transaction, code, cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/professions/{code}", view);
    }

    [GeneratedRegex("^[A-Z0-9]{1,10}$")]
    private static partial Regex Code();
}
