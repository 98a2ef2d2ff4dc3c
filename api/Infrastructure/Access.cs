using CpxTeleservice.Audit;
using CpxTeleservice.Security;
using Dapper;
using Npgsql;

namespace CpxTeleservice.Infrastructure;

public enum StructureRoleKind
{
    None,
    Mandataire,
    LegalRepresentative,
}

/// <summary>
/// Who may act for which structure, read from <c>caller_structures()</c> in SQL on every request, so a
/// designation or revocation takes effect on the next request.
/// </summary>
public static class Access
{
    public static async Task<StructureRoleKind> RoleAsync(NpgsqlConnection connection, string idNat, Guid structureId, CancellationToken cancellationToken)
    {
        var roles = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT role FROM caller_structures(@idNat) WHERE structure_id = @structureId",
            new { idNat, structureId }, cancellationToken: cancellationToken));
        var list = roles.ToList();
        return list.Contains("legal-representative") ? StructureRoleKind.LegalRepresentative
            : list.Contains("mandataire") ? StructureRoleKind.Mandataire
            : StructureRoleKind.None;
    }

    /// <summary>
    /// Rule 2 of the seed's orders (§4.2, §4.4): the legal representative or a mandataire, acting with a
    /// card of the CPS family (CPS, CPE, CPA), or the legal representative's CDE.
    /// </summary>
    public static bool CardMayActForStructure(CardType card, StructureRoleKind role) =>
        role != StructureRoleKind.None
        && (card is CardType.CPS or CardType.CPE or CardType.CPA
            || (card == CardType.CDE && role == StructureRoleKind.LegalRepresentative));
}

/// <summary>
/// Writes every refused attempt on an API endpoint to the audit trail: the endpoint's name as the
/// action, the problem type as the outcome, and the structure concerned when it is known (the route's
/// structure, or the one a handler found behind a resource it would not show).
/// </summary>
public sealed class AuditRefusalsFilter(AuditLog audit) : IEndpointFilter
{
    public const string StructureItem = "cpx.audit.structure";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        var http = context.HttpContext;
        var problem = result switch
        {
            IStatusCodeHttpResult { StatusCode: >= 400 } status and IValueHttpResult { Value: Microsoft.AspNetCore.Mvc.ProblemDetails details } => (status.StatusCode, details.Type),
            INestedHttpResult { Result: IStatusCodeHttpResult { StatusCode: >= 400 } status } nested when nested.Result is IValueHttpResult { Value: Microsoft.AspNetCore.Mvc.ProblemDetails details } => (status.StatusCode, details.Type),
            _ => default((int? StatusCode, string? Type)),
        };
        if (problem.StatusCode is null)
        {
            return result;
        }

        var caller = http.Features.Get<Caller>();
        var structure = http.Items[StructureItem] as Guid?
            ?? (http.Request.RouteValues.TryGetValue("structureId", out var raw) && Guid.TryParse(raw?.ToString(), out var parsed) ? parsed : null);
        var outcome = "refused:" + (problem.Type is { } type && type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal)
            ? type[ProblemTypes.Prefix.Length..]
            : problem.StatusCode.ToString());
        await audit.RecordAsync(new AuditEntry(
            caller?.IdNat, caller?.CardSerial, structure, http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? http.Request.Path,
            $"{http.Request.Method} {http.Request.Path}", outcome, null, http.TraceIdentifier));
        return result;
    }
}

public static class AuditExtensions
{
    /// <summary>Records a successful change in the transaction that makes it.</summary>
    public static Task AuditAsync(this HttpContext http, NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? structureId, string target, string? detail = null)
    {
        var caller = http.Caller();
        return AuditLog.RecordAsync(connection, transaction, new AuditEntry(
            caller.IdNat, caller.CardSerial, structureId,
            http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? http.Request.Path,
            target, "ok", detail, http.TraceIdentifier));
    }

    /// <summary>Tells the refusal filter which structure a refused resource belongs to.</summary>
    public static void AuditStructure(this HttpContext http, Guid? structureId)
    {
        if (structureId is not null)
        {
            http.Items[AuditRefusalsFilter.StructureItem] = structureId;
        }
    }
}
