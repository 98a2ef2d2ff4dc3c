namespace CpxTeleservice.Events;

/// <summary>The events feature's services, registered by the host: webhook delivery and the expiring-cards job.</summary>
public static class EventsServices
{
    public static IServiceCollection AddEventsServices(this IServiceCollection services) =>
        services.AddSingleton<WebhookDelivery>()
            .AddHostedService(services => services.GetRequiredService<WebhookDelivery>())
            .AddSingleton<ExpiringCardsJob>()
            .AddHostedService(services => services.GetRequiredService<ExpiringCardsJob>());
}
