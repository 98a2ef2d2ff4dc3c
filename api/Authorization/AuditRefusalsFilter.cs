using CpxTeleservice.Audit;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;

namespace CpxTeleservice.Authorization;

/// <summary>
/// Writes every refused attempt on an API endpoint to the audit trail: the endpoint's name as the
/// action, the problem type as the outcome, and the structure concerned when it is known (the route's
/// structure, or the one a handler found behind a resource it would not show).
/// </summary>
public sealed class AuditRefusalsFilter(AuditLog audit) : IEndpointFilter
{
    public const string StructureItem = "cpx.audit.structure";
    private const string StructureRouteKey = "structureId";

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
            ?? (http.Request.RouteValues.TryGetValue(StructureRouteKey, out var raw) && Guid.TryParse(raw?.ToString(), out var parsed) ? parsed : null);
        var outcome = "refused:" + (problem.Type is { } type && type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal)
            ? type[ProblemTypes.Prefix.Length..]
            : problem.StatusCode.ToString());
        await audit.RecordAsync(new AuditEntry(
            caller?.IdNat, caller?.CardSerial, structure, http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? http.Request.Path,
            $"{http.Request.Method} {http.Request.Path}", outcome, null, http.TraceIdentifier));
        return result;
    }
}
