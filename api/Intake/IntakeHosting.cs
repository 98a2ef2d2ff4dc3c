using CpxTeleservice.Health;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Intake.V1;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Intake;

/// <summary>
/// The gRPC surface on Grpc.AspNetCore: the intake services, <c>grpc.health.v1</c> over the shared
/// PostgreSQL health check, and server reflection.
/// </summary>
public static class IntakeHosting
{
    /// <summary>The fully qualified names of the intake services, as grpc.health.v1 and reflection know them.</summary>
    public static readonly string[] ServiceNames = [OrdreIntake.Descriptor.FullName, ArsIntake.Descriptor.FullName];

    public static WebApplicationBuilder AddIntakeGrpc(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IntakeOptions>().Bind(builder.Configuration.GetSection(IntakeOptions.Section)).ValidateErrors(o => o.Errors()).ValidateOnStart();
        services.AddOptions<GrpcOptions>().Bind(builder.Configuration.GetSection(GrpcOptions.Section)).ValidateErrors(o => o.Errors()).ValidateOnStart();

        services.AddGrpc(options =>
        {
            // Global: it wraps the handlers of every service, the intake's and the packages' health and reflection.
            options.Interceptors.Add<HandlerFailureInterceptor>();
            // Detail of handler failures goes to the log, never to the caller.
            options.EnableDetailedErrors = false;
        });
        SilenceCallHandlerLog(services);
        // The limit applies to a compressed message once inflated, and the package stops inflating at it.
        services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>().Configure<IOptions<GrpcOptions>>((options, grpc) =>
            options.MaxReceiveMessageSize = grpc.Value.MaxReceiveMessageSize);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(options =>
        {
            // Every service needs PostgreSQL: each name answers from the one readiness check.
            options.Services.Clear();
            options.Services.Map("", result => result.Tags.Contains(HealthChecks.ReadyTag));
            foreach (var name in ServiceNames.Append(global::Grpc.Health.V1.Health.Descriptor.FullName))
            {
                options.Services.Map(name, result => result.Tags.Contains(HealthChecks.ReadyTag));
            }
        });

        // Watch streams follow the publisher: one check every 5 s for the whole server, not one per stream.
        services.Configure<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckPublisherOptions>(options =>
        {
            options.Delay = TimeSpan.FromSeconds(1);
            options.Period = TimeSpan.FromSeconds(5);
        });

        services.AddSingleton<IntakeSettings>();
        services.AddSingleton<IntakeAuthenticator>();
        services.AddSingleton<IntakeBatcher>();
        services.AddSingleton<IntakeLedger>();
        return builder;
    }

    /// <summary>The category under which Grpc.AspNetCore logs how a call ended.</summary>
    public const string CallHandlerLogCategory = "Grpc.AspNetCore.Server.ServerCallHandler";

    /// <summary>
    /// Grpc.AspNetCore reads the request of a unary or server-streaming method (grpc.health.v1's Check and Watch,
    /// open to anyone) before any interceptor runs. An unreadable one (a frame of bytes that are not protobuf) is
    /// answered UNKNOWN by the package itself, which logs it under <see cref="CallHandlerLogCategory"/> at Error
    /// with the exception, and again at Information as a read error: a stack trace per stranger's request. The
    /// package offers no hook between its read and that log line (no option, the health service's binding is
    /// internal), so the category is silenced, for every provider, whatever the configuration says (this rule is
    /// added after the configuration's, and a rule for a provider wins over a rule for all). Nothing the service
    /// needs is lost: every handler failure, of the intake, health and reflection services alike, reaches
    /// <see cref="HandlerFailureInterceptor"/> (global), which logs it at Error under its own category and ends
    /// the call with an <see cref="Grpc.Core.RpcException"/>, which the package would only log at Information;
    /// the category's other lines are per-call Debug and Trace detail, or a caller's malformed request.
    /// </summary>
    private static void SilenceCallHandlerLog(IServiceCollection services) =>
        services.PostConfigure<LoggerFilterOptions>(options =>
        {
            foreach (var provider in options.Rules.Select(rule => rule.ProviderName).Append(null).Distinct().ToList())
            {
                options.Rules.Add(new LoggerFilterRule(provider, CallHandlerLogCategory, LogLevel.None, null));
            }
        });

    public static IEndpointRouteBuilder MapIntakeGrpc(this IEndpointRouteBuilder endpoints)
    {
        // gRPC methods are described by protos/ and reflection, not by openapi.yaml.
        endpoints.MapGrpcService<OrdreIntakeService>().ExcludeFromDescription();
        endpoints.MapGrpcService<ArsIntakeService>().ExcludeFromDescription();
        endpoints.MapGrpcHealthChecksService().AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGrpcReflectionService().AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }
}
