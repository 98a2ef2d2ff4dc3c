using CpxTeleservice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CpxTeleservice.Health;

public sealed record HealthStatus(string Status);

/// <summary>Liveness (the process answers) and readiness (PostgreSQL answers too). Neither needs a certificate.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health").AllowAnonymous();
        health.MapGet("/live", () => TypedResults.Ok(new HealthStatus("live"))).WithName("Live");
        health.MapGet("/ready", Ready).WithName("Ready");
        return app;
    }

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> Ready(NpgsqlDataSource dataSource, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return TypedResults.Ok(new HealthStatus("ready"));
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            loggers.CreateLogger("CpxTeleservice.Health").LogWarning(exception, "Readiness check: PostgreSQL does not answer");
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                type: ProblemTypes.NotReady,
                title: "The service is not ready",
                detail: "PostgreSQL does not answer.");
        }
    }
}
