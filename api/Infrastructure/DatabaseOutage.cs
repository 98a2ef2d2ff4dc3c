using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// PostgreSQL out of reach while a request is served: stopped, restarting, failing over, refusing
/// connections, or every pooled connection busy past the pool's timeout. REST answers it 503
/// <c>/problems/database-unavailable</c> with <c>Retry-After</c>, gRPC UNAVAILABLE; nothing of it is a
/// 500. When one is seen, both pools (the service's and authentication's) are emptied, so that no idle
/// connection to a server that went away is handed out again: a server stopped in order closes them
/// itself, but one that crashed, or the old primary after a failover, may leave them open and silent.
/// One Warning line a second at most, counting the outages seen since the previous one.
/// </summary>
public sealed partial class DatabaseOutage(NpgsqlDataSource dataSource, AuthenticationDatabase authentication, ILogger<DatabaseOutage> logger)
{
    /// <summary>What <c>Retry-After</c> says: about what a PostgreSQL restart takes.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// An answer of a running server (a unique violation, a syntax error) is not an outage unless it is
    /// about the connection: class 08, the server shutting down or starting up (57P01–57P03), too many
    /// connections (53300). Any other <see cref="NpgsqlException"/> counts when Npgsql calls it transient:
    /// the server not reached, the connection lost mid-request, a pool or connection timeout.
    /// </summary>
    public static bool Is(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                            or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException npgsql:
                    return npgsql.IsTransient;
            }
        }

        return false;
    }

    private long _loggedAt;
    private int _notLogged;

    /// <summary>Empties the pools, and logs the outage as a request or a call saw it.</summary>
    public void Seen(Exception exception, string where)
    {
        dataSource.Clear();
        authentication.DataSource.Clear();
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _loggedAt);
        if ((last != 0 && now - last < 1000) || Interlocked.CompareExchange(ref _loggedAt, now, last) != last)
        {
            Interlocked.Increment(ref _notLogged);
            return;
        }

        LogOutage(logger, where, exception.GetType().Name, exception.Message, Interlocked.Exchange(ref _notLogged, 0));
    }

    [LoggerMessage(EventId = 1, EventName = "DatabaseUnavailable", Level = LogLevel.Warning,
        Message = "PostgreSQL is unavailable ({Where}): {ExceptionType}: {Reason}; {Since} more time(s) since the previous line; the connection pools are emptied")]
    private static partial void LogOutage(ILogger logger, string where, string exceptionType, string reason, int since);
}
