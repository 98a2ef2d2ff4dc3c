using CpxTeleservice.Grpc;
using Grpc.Health.V1;
using Npgsql;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace CpxTeleservice.Health;

/// <summary>
/// grpc.health.v1.Health (grpc doc/health-checking.md), needing no certificate. The server ("") and
/// every mapped service are SERVING when PostgreSQL answers and NOT_SERVING when it does not: each
/// of them needs the database to do anything. An unknown service is NOT_FOUND on Check and
/// SERVICE_UNKNOWN on Watch, as the protocol says.
/// </summary>
public sealed partial class GrpcHealthService(NpgsqlDataSource dataSource, GrpcServiceRegistry registry, TimeProvider time, ILogger<GrpcHealthService> logger)
{
    public const string ServiceName = "grpc.health.v1.Health";

    /// <summary>How often Watch looks again; a change is sent when seen.</summary>
    public static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        if (!IsKnown(request.Service))
        {
            throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        }

        return new HealthCheckResponse { Status = await DatabaseStatusAsync(context.CancellationToken) };
    }

    public async Task WatchAsync(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        ServingStatus? last = null;
        try
        {
            while (true)
            {
                var status = IsKnown(request.Service) ? await DatabaseStatusAsync(context.CancellationToken) : ServingStatus.ServiceUnknown;
                if (status != last)
                {
                    await responses.WriteAsync(new HealthCheckResponse { Status = status });
                    last = status;
                }

                await Task.Delay(WatchInterval, time, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The client went away or the deadline passed: the layer sends what is due.
        }
    }

    private bool IsKnown(string service) => service.Length == 0 || registry.IsRegistered(service);

    private async Task<ServingStatus> DatabaseStatusAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return ServingStatus.Serving;
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogDatabaseDown(logger, exception);
            return ServingStatus.NotServing;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "gRPC health: PostgreSQL does not answer")]
    private static partial void LogDatabaseDown(ILogger logger, Exception exception);
}

public static class GrpcHealthApi
{
    public static IEndpointRouteBuilder MapGrpcHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcUnary<HealthCheckRequest, HealthCheckResponse>(GrpcHealthService.ServiceName, "Check",
            (request, context) => Service(context).CheckAsync(request, context));
        endpoints.MapGrpcServerStreaming<HealthCheckRequest, HealthCheckResponse>(GrpcHealthService.ServiceName, "Watch",
            (request, responses, context) => Service(context).WatchAsync(request, responses, context));
        return endpoints;
    }

    private static GrpcHealthService Service(ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<GrpcHealthService>();
}
