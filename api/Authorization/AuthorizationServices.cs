namespace CpxTeleservice.Authorization;

/// <summary>The authorization feature's services, registered by the host.</summary>
public static class AuthorizationServices
{
    public static IServiceCollection AddAuthorizationServices(this IServiceCollection services) =>
        services.AddSingleton<AuditRefusalsFilter>();
}
