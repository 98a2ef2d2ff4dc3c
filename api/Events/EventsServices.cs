namespace CpxTeleservice.Events;

/// <summary>The events feature's services, registered by the host: webhook delivery, the expiring-cards and the ended-mandates jobs.</summary>
public static class EventsServices
{
    public static IServiceCollection AddEventsServices(this IServiceCollection services) =>
        services.AddSingleton<WebhookDelivery>()
            .AddHostedService(services => services.GetRequiredService<WebhookDelivery>())
            .AddSingleton<ExpiringCardsJob>()
            .AddHostedService(services => services.GetRequiredService<ExpiringCardsJob>())
            .AddSingleton<EndedMandatesJob>()
            .AddHostedService(services => services.GetRequiredService<EndedMandatesJob>());
}
