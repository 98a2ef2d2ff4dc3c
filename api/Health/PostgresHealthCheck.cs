using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace CpxTeleservice.Health;

/// <summary>PostgreSQL answers a trivial query within the check's timeout.</summary>
public sealed partial class PostgresHealthCheck(NpgsqlDataSource dataSource, ILogger<PostgresHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            LogDatabaseDown(logger, exception);
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer.");
        }
    }

    [LoggerMessage(EventId = 1, EventName = "PostgresNotAnswering", Level = LogLevel.Warning, Message = "Health: PostgreSQL does not answer")]
    private static partial void LogDatabaseDown(ILogger logger, Exception exception);
}
