namespace CpxTeleservice.Orders;

/// <summary>The orders feature's services, registered by the host.</summary>
public static class OrdersServices
{
    public static IServiceCollection AddOrdersServices(this IServiceCollection services) =>
        services.AddSingleton<ExpectedDates>()
            .AddSingleton<OrderReader>();
}
