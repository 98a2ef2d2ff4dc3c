using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CpxTeleservice.Health;

/// <summary>The service's health checks: one PostgreSQL check serves <c>/health/ready</c> and <c>grpc.health.v1</c>.</summary>
public static class HealthChecks
{
    /// <summary>The tag of the checks readiness depends on.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddHealthApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(3));
        return builder;
    }
}
