namespace CpxTeleservice.Parc;

/// <summary>The parc feature's services, registered by the host: the card reader and the automatic renewal.</summary>
public static class ParcServices
{
    public static IServiceCollection AddParcServices(this IServiceCollection services) =>
        services.AddSingleton<CardReader>()
            .AddSingleton<RenewalJob>()
            .AddHostedService(services => services.GetRequiredService<RenewalJob>());
}
