using System.Text.RegularExpressions;
using CpxTeleservice.Authorization;
using CpxTeleservice.Domain;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Persons;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>An operator registers a structure from its paper contract (seed 004 §2): FINESS or SIRET, legal representative, département.</summary>
internal static partial class StructureRegistration
{
    /// <summary>A registration, checked and normalised.</summary>
    private sealed record Checked(string? Finess, string? Siret, string Departement, LegalRepresentativeInput Representative)
    {
        public string IdNatStruct => Finess is not null ? "1" + Finess : "3" + Siret;
    }

    public static async Task<Results<Created<StructureView>, ProblemHttpResult>> Register(
        RegisterStructureRequest request, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var (registration, errors) = Check(request);
        if (registration is null)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var representative = registration.Representative;
        var personId = await PersonStore.UpsertAsync(connection, transaction,
            new NewPerson(representative.IdNat!, representative.Nom, representative.Prenom, null, representative.HealthProfessional), cancellationToken);

        var id = Guid.CreateVersion7();
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO structures (id, finess, siret, id_nat_struct, raison_sociale, secteur_activite, departement, legal_representative_id)
            VALUES (@id, @Finess, @Siret, @IdNatStruct, @RaisonSociale, @SecteurActivite, @Departement, @personId)
            ON CONFLICT DO NOTHING
            """,
            new { id, registration.Finess, registration.Siret, registration.IdNatStruct, request.RaisonSociale, request.SecteurActivite, registration.Departement, personId },
            transaction, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return Problem.Conflict(ProblemTypes.StructureAlreadyRegistered, "The structure is already registered",
                $"A structure with FINESS {registration.Finess ?? "-"} or SIRET {registration.Siret ?? "-"} exists.");
        }

        await connection.ExecuteAsync(new CommandDefinition("INSERT INTO contracts (structure_id) VALUES (@id)", new { id }, transaction, cancellationToken: cancellationToken));
        await http.AuditAsync(connection, transaction, id, $"structure {id}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/structures/{id}", (await StructureReader.GetAsync(connection, id, cancellationToken))!);
    }

    private static (Checked? Registration, FieldErrors Errors) Check(RegisterStructureRequest request)
    {
        var errors = new FieldErrors();
        var finess = Normalise(request.Finess);
        var siret = Normalise(request.Siret);
        if (finess is null && siret is null)
        {
            errors.Add("finess", "A FINESS or a SIRET number is required.");
        }

        if (finess is not null)
        {
            errors.Check("finess", Identifiers.CheckFiness(finess));
        }

        if (siret is not null)
        {
            errors.Check("siret", Identifiers.CheckSiret(siret));
        }

        errors.Required("raisonSociale", request.RaisonSociale);
        var representative = request.LegalRepresentative;
        if (representative is null)
        {
            errors.Add("legalRepresentative", "is required.");
        }
        else
        {
            errors.Required("legalRepresentative.idNat", representative.IdNat)
                .Required("legalRepresentative.nom", representative.Nom)
                .Required("legalRepresentative.prenom", representative.Prenom);
        }

        var departement = Departement(request.Departement, finess, errors);
        return errors.Any ? (null, errors) : (new Checked(finess, siret, departement!, representative!), errors);
    }

    /// <summary>
    /// The département decides the calendar (Alsace-Moselle) and which ARS visas the structure's CPS orders.
    /// The FINESS starts with it: two characters, three overseas (971…976).
    /// </summary>
    private static string? Departement(string? given, string? finess, FieldErrors errors)
    {
        var departement = Normalise(given) ?? (finess is null ? null : finess.StartsWith("97", StringComparison.Ordinal) ? finess[..3] : finess[..2]);
        if (departement is null)
        {
            errors.Add("departement", "is required when the structure has no FINESS.");
        }
        else if (!DepartementPattern().IsMatch(departement))
        {
            errors.Add("departement", "must be a département code (01…95, 2A, 2B, 971…976).");
        }

        return departement;
    }

    private static string? Normalise(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToUpperInvariant();

    [GeneratedRegex("^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")]
    private static partial Regex DepartementPattern();
}
