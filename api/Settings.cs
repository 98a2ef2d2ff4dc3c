using CpxTeleservice.Bench;
using CpxTeleservice.Events;
using CpxTeleservice.Oppositions;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Structures;

namespace CpxTeleservice;

/// <summary>
/// Every settings group of the REST service and its hosting, bound once from configuration and
/// validated at start-up: a bad value stops the service with a message naming the key.
/// </summary>
public static class Settings
{
    public static WebApplicationBuilder AddCpxSettings(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddOptions<DelaysOptions>().BindSection(configuration, DelaysOptions.Section).ValidateErrors(DelaysOptions.Errors).ValidateOnStart();
        services.AddOptions<CardsOptions>().BindSection(configuration, CardsOptions.Section).ValidateErrors(CardsOptions.Errors).ValidateOnStart();
        services.AddOptions<ContractOptions>().BindSection(configuration, ContractOptions.Section).ValidateErrors(ContractOptions.Errors).ValidateOnStart();
        services.AddOptions<RenewalOptions>().BindSection(configuration, RenewalOptions.Section).ValidateErrors(RenewalOptions.Errors).ValidateOnStart();
        var environment = builder.Environment.EnvironmentName;
        services.AddOptions<ClockOptions>().BindSection(configuration, ClockOptions.Section)
            .ValidateErrors(o => ClockOptions.Errors(o, environment)).ValidateOnStart();
        services.AddOptions<DatabaseOptions>().BindSection(configuration, DatabaseOptions.Section).ValidateErrors(DatabaseOptions.Errors).ValidateOnStart();
        services.AddOptions<DataProtectionKeysOptions>().BindSection(configuration, DataProtectionKeysOptions.Section)
            .ValidateErrors(DataProtectionKeysOptions.Errors).ValidateOnStart();
        services.AddOptions<IdempotencyOptions>().BindSection(configuration, IdempotencyOptions.Section).ValidateErrors(IdempotencyOptions.Errors).ValidateOnStart();
        services.AddOptions<EventsOptions>().BindSection(configuration, EventsOptions.Section).ValidateErrors(EventsOptions.Errors).ValidateOnStart();
        services.AddOptions<OppositionsOptions>().BindSection(configuration, OppositionsOptions.Section).ValidateErrors(OppositionsOptions.Errors).ValidateOnStart();
        services.AddOptions<BenchOptions>().BindSection(configuration, BenchOptions.Section).ValidateErrors(BenchOptions.Errors).ValidateOnStart();
        services.AddOptions<Telemetry.MetricsOptions>().BindSection(configuration, Telemetry.MetricsOptions.Section)
            .ValidateErrors(Telemetry.MetricsOptions.Errors).ValidateOnStart();
        return builder;
    }
}
