namespace CpxTeleservice.Infrastructure;

/// <summary>The Idempotency-Key protocol's services, registered by the host: the pass that deletes expired keys.</summary>
public static class IdempotencyServices
{
    public static IServiceCollection AddIdempotencyServices(this IServiceCollection services) =>
        services.AddSingleton<IdempotencyPurgeJob>()
            .AddHostedService(services => services.GetRequiredService<IdempotencyPurgeJob>());
}
