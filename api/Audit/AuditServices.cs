namespace CpxTeleservice.Audit;

/// <summary>The audit trail's services, registered by the host.</summary>
public static class AuditServices
{
    public static IServiceCollection AddAuditServices(this IServiceCollection services) =>
        services.AddSingleton<AuditLog>();
}
