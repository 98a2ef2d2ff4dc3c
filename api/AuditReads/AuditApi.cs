using CpxTeleservice.Authorization;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.AuditReads;

/// <summary>Reading the audit trail: a structure's by its legal representative, the whole service's by operators. Newest first.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/structures/{structureId:guid}/audit", ForStructure).WithName("GetStructureAudit").WithTags("Audit")
            .WithSummary("Who did what, when, with which card, on the structure (legal representative only)");
        api.MapGet("/admin/audit", ForService).WithName("GetServiceAudit").WithTags("Administration")
            .RequireAuthorization(CardAuthenticationDefaults.OperatorPolicy)
            .WithSummary("The service-wide audit, refused authentications included");
        return api;
    }

    private const string Select =
        """
        SELECT id AS Id, occurred_at AS OccurredAt, actor_id_nat AS ActorIdNat, actor_card_serial AS ActorCardSerial, structure_id AS StructureId,
               action AS Action, target AS Target, outcome AS Outcome, detail AS Detail, request_id AS RequestId
        FROM audit_events
        """;

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ForStructure(
        Guid structureId, PageRequest page, Caller caller, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!page.TryBefore(out var before))
        {
            return new FieldErrors().Add("cursor", "is not a cursor this service issued.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Access.RoleAsync(connection, caller.IdNat, structureId, cancellationToken) != StructureRoleKind.LegalRepresentative)
        {
            return Problem.Forbidden("Only the structure's legal representative reads its audit.", ProblemTypes.LegalRepresentativeOnly);
        }

        var rows = (await connection.QueryAsync<AuditEventView>(new CommandDefinition(
            $"{Select} WHERE structure_id = @structureId {Keyset.Before(before)} ORDER BY id DESC {Keyset.Limit(page.Fetch)}",
            new { structureId, before }, cancellationToken: cancellationToken))).ToList();
        return TypedResults.Ok(ToPage(rows, page));
    }

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ForService(
        Guid? structureId, string? actor, string? outcome, PageRequest page, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!page.TryBefore(out var before))
        {
            return new FieldErrors().Add("cursor", "is not a cursor this service issued.").ToProblem();
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AuditEventView>(new CommandDefinition(
            $"""
            {Select}
            WHERE (@structureId::uuid IS NULL OR structure_id = @structureId) AND (@actor::text IS NULL OR actor_id_nat = @actor)
              AND (@outcome::text IS NULL OR outcome LIKE @outcome || '%') {Keyset.Before(before)}
            ORDER BY id DESC {Keyset.Limit(page.Fetch)}
            """, new { structureId, actor, outcome, before }, cancellationToken: cancellationToken))).ToList();
        return TypedResults.Ok(ToPage(rows, page));
    }

    private static AuditPage ToPage(List<AuditEventView> rows, PageRequest page) =>
        rows.Count > page.Limit ? new AuditPage(rows.Take(page.Limit).ToList(), page.CursorAfter(rows[page.Limit - 1].Id)) : new AuditPage(rows, null);
}
