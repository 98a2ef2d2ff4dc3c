using CpxTeleservice.Audit;
using CpxTeleservice.Security;
using Npgsql;

namespace CpxTeleservice.Authorization;

/// <summary>Audit records of a request's outcome, with its caller and endpoint.</summary>
internal static class AuditExtensions
{
    /// <summary>Records a successful change in the transaction that makes it.</summary>
    public static Task AuditAsync(this HttpContext http, NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? structureId, string target, string? detail = null) =>
        AuditLog.RecordAsync(connection, transaction, http.SuccessEntry(structureId, target, detail));

    /// <summary>The entry of a successful change, for <see cref="AuditLog.Insert"/> sent in the change's own batch.</summary>
    public static AuditEntry SuccessEntry(this HttpContext http, Guid? structureId, string target, string? detail = null)
    {
        var caller = http.Caller();
        return new AuditEntry(
            caller.IdNat, caller.CardSerial, structureId,
            http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? http.Request.Path,
            target, "ok", detail, http.TraceIdentifier);
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
