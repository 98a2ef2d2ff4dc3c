using CpxTeleservice.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CpxTeleservice.Health;

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

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> Ready(HealthCheckService checks, CancellationToken cancellationToken)
    {
        var report = await checks.CheckHealthAsync(check => check.Tags.Contains(HealthChecks.ReadyTag), cancellationToken);
        if (report.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
        {
            return TypedResults.Ok(new HealthStatus("ready"));
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            type: ProblemTypes.NotReady,
            title: "The service is not ready",
            detail: "PostgreSQL does not answer.");
    }
}
