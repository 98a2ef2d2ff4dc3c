using Microsoft.AspNetCore.Authentication;

namespace CpxTeleservice.Security;

/// <summary>Card authentication and the operator policy, registered by the host with the settings it loaded at start-up.</summary>
public static class SecurityServices
{
    public static IServiceCollection AddSecurityServices(this IServiceCollection services, SecuritySettings security)
    {
        services.AddSingleton(security);
        services.AddAuthentication(CardAuthenticationDefaults.Scheme)
            .AddScheme<AuthenticationSchemeOptions, CardAuthenticationHandler>(CardAuthenticationDefaults.Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(CardAuthenticationDefaults.OperatorPolicy, policy => policy.RequireClaim(CardAuthenticationDefaults.OperatorClaim));
        return services;
    }
}
