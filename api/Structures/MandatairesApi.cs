using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Structures;

/// <summary>
/// Mandataires (seed 004 §3): designated and revoked by the legal representative only; the designee
/// holds an active CPS, CPE or CPA (docs/contract.md, Decisions: a CPE or CPA of that structure; a CPS holder
/// may be designated as an employee). Rights are read per request, so both take effect at once; a mandate
/// given an end stops authorising at that instant (the view <c>active_mandataires</c>, migration 009).
/// </summary>
public static class MandatairesApi
{
    public static RouteGroupBuilder MapMandatairesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/structures/{structureId:guid}/mandataires").WithTags("Mandataires");
        group.MapGet("", List).WithName("ListMandataires").WithSummary("The structure's active mandataires");
        group.MapPost("", Designate).WithName("DesignateMandataire").WithSummary("Designate a mandataire (legal representative only)");
        group.MapDelete("/{idNat}", Revoke).WithName("RevokeMandataire").WithSummary("Revoke a mandataire (legal representative only)");
        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<MandataireView>>, ProblemHttpResult>> List(
        Guid structureId, Caller caller, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) == StructureRoleKind.None)
        {
            return Problem.Forbidden("You are neither the legal representative nor a mandataire of this structure.");
        }

        var rows = await connection.QueryAsync<MandataireView>(new CommandDefinition(
            """
            SELECT p.id_nat AS IdNat, p.nom AS Nom, p.prenom AS Prenom, m.designated_at AS DesignatedAt, d.id_nat AS DesignatedBy, m.ends_at AS EndsAt
            FROM active_mandataires m JOIN persons p ON p.id = m.person_id JOIN persons d ON d.id = m.designated_by
            WHERE m.structure_id = @structureId
            ORDER BY m.designated_at, p.id_nat
            """, new { structureId }, cancellationToken: cancellationToken));
        return TypedResults.Ok<IReadOnlyList<MandataireView>>(rows.ToList());
    }

    /// <summary>
    /// The request checked, the caller the legal representative, the contract active, the designee holding
    /// a qualifying card; then the mandate recorded, unless the designee is already an active mandataire.
    /// </summary>
    private static async Task<Results<Created<MandataireView>, ProblemHttpResult>> Designate(
        Guid structureId, DesignateMandataireRequest request, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var designatedAt = http.UtcNow();
        if (Validate(request, designatedAt) is { Any: true } errors)
        {
            return errors.ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var role = await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken);
        if (role != StructureRoleKind.LegalRepresentative)
        {
            return Problem.Forbidden("Only the structure's legal representative designates mandataires (seed 004 §3).", ProblemTypes.LegalRepresentativeOnly);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var contract = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT state FROM contracts WHERE structure_id = @structureId", new { structureId }, transaction, cancellationToken: cancellationToken));
        if (contract != "active")
        {
            return Problem.Rule(ProblemTypes.ContractNotActive, "The structure's contract is not active",
                "A mandataire is designated once the contract of structure is signed and approved (seed 004 §3).");
        }

        var designee = await QualifyingDesigneeAsync(connection, transaction, structureId, request.IdNat, cancellationToken);
        if (designee.PersonId == Guid.Empty)
        {
            return Problem.Rule(ProblemTypes.MandataireCardRequired, "The designee holds no qualifying card",
                "A mandataire must hold an active CPS, or an active CPE or CPA of this structure (seed 004 §3).");
        }

        var endsAt = request.EndsAt?.UtcDateTime;
        if (!await RecordMandateAsync(connection, transaction, structureId, designee.PersonId, designatedAt, endsAt, caller.IdNat, cancellationToken))
        {
            return Problem.Conflict(ProblemTypes.MandataireAlreadyDesignated, "Already a mandataire", $"{request.IdNat} is already an active mandataire of this structure.");
        }

        await http.AuditAsync(connection, transaction, structureId, $"mandataire {request.IdNat}", endsAt is null ? null : $"until {endsAt:O}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/structures/{structureId}/mandataires",
            new MandataireView(request.IdNat!, designee.Nom, designee.Prenom, designatedAt, caller.IdNat, endsAt));
    }

    private static FieldErrors Validate(DesignateMandataireRequest request, DateTime designatedAt)
    {
        var errors = new FieldErrors().Required("idNat", request.IdNat);
        if (request.EndsAt is { } ends && (ends.UtcDateTime <= designatedAt || ends.Year >= 9999))
        {
            errors.Add("endsAt", "when given, is an instant to come (before the year 9999): the mandate ends by itself then.");
        }

        return errors;
    }

    /// <summary>The designee, if they hold a qualifying card: an active CPS anywhere, or an active CPE/CPA of this structure.</summary>
    private static Task<(Guid PersonId, string Nom, string Prenom)> QualifyingDesigneeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid structureId, string? idNat, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<(Guid PersonId, string Nom, string Prenom)>(new CommandDefinition(
            """
            SELECT p.id, p.nom, p.prenom
            FROM persons p
            WHERE p.id_nat = @IdNat AND EXISTS (
                SELECT 1 FROM card_rows c
                WHERE c.holder_id = p.id AND c.state = 'active'
                  AND (c.card_type = 'CPS' OR (c.card_type IN ('CPE', 'CPA') AND c.structure_id = @structureId)))
            """, new { IdNat = idNat, structureId }, transaction, cancellationToken: cancellationToken));

    /// <summary>
    /// The mandate, designated by the caller; false when the designee is already an active mandataire. A mandate
    /// that ended by itself is closed at its end (revoked by no one) before the new designation.
    /// </summary>
    private static async Task<bool> RecordMandateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid structureId, Guid personId,
        DateTime designatedAt, DateTime? endsAt, string callerIdNat, CancellationToken cancellationToken)
    {
        // A mandate that ended by itself is closed at its end (revoked by no one, expired: it announces
        // mandate.ended, as the ended-mandates pass would) before the new designation.
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE mandataires SET revoked_at = ends_at, end_reason = 'expired'
            WHERE structure_id = @structureId AND person_id = @PersonId AND revoked_at IS NULL AND ends_at <= cpx_now();
            INSERT INTO mandataires (id, structure_id, person_id, designated_by, designated_at, ends_at)
            SELECT @id, @structureId, @PersonId, p.id, @designatedAt, @endsAt FROM persons p WHERE p.id_nat = @callerIdNat
            ON CONFLICT DO NOTHING
            """, new { id = Guid.CreateVersion7(), structureId, PersonId = personId, designatedAt, endsAt, callerIdNat },
            transaction, cancellationToken: cancellationToken));
        return inserted != 0;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        Guid structureId, string idNat, Caller caller, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        // A staff IdNat holds a '/', which travels encoded (%2F) and routing leaves encoded.
        idNat = Uri.UnescapeDataString(idNat);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) != StructureRoleKind.LegalRepresentative)
        {
            return Problem.Forbidden("Only the structure's legal representative revokes mandataires (seed 004 §3).", ProblemTypes.LegalRepresentativeOnly);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var revoked = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE mandataires m SET revoked_at = cpx_now(), revoked_by = (SELECT id FROM persons WHERE id_nat = @callerIdNat)
            FROM active_mandataires a JOIN persons p ON p.id = a.person_id
            WHERE m.id = a.id AND p.id_nat = @idNat AND a.structure_id = @structureId
            """, new { callerIdNat = caller.IdNat, idNat, structureId }, transaction, cancellationToken: cancellationToken));
        if (revoked == 0)
        {
            return Problem.NotFound("active mandataire with this IdNat");
        }

        await http.AuditAsync(connection, transaction, structureId, $"mandataire {idNat}");
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
