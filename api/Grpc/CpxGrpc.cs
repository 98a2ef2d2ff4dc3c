using CpxTeleservice.Health;
using CpxTeleservice.Intake;

namespace CpxTeleservice.Grpc;

/// <summary>The service's gRPC surface: the layer, the health service, the intake services, and the catch-all.</summary>
public static class CpxGrpc
{
    public static WebApplicationBuilder AddCpxGrpc(this WebApplicationBuilder builder)
    {
        builder.Services.AddGrpcServer(builder.Configuration);
        builder.Services.AddSingleton(IntakeSettings.Load(builder.Configuration));
        builder.Services.AddSingleton<IntakeAuthenticator>();
        builder.Services.AddSingleton<IntakeBatcher>();
        builder.Services.AddSingleton<IntakeProcessor>();
        builder.Services.AddSingleton<GrpcHealthService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCpxGrpc(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcHealth();
        endpoints.MapIntakeGrpc();
        endpoints.MapGrpcUnimplemented();
        return endpoints;
    }
}
