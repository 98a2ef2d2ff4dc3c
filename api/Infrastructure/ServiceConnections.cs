using System.Data.Common;
using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// How the service's pools talk to PostgreSQL. Every statement the service runs more than
/// <see cref="AutoPrepareMinUsages"/> times on a connection is prepared there (Npgsql's automatic
/// preparation): PostgreSQL parses it once per connection and, once its generic plan is as good as a
/// custom one, plans it once too. A connection returned to the pool is not reset: Npgsql's reset keeps
/// prepared statements, but makes PostgreSQL run seven utility commands (<c>RESET ALL</c>, <c>CLOSE ALL</c>,
/// <c>UNLISTEN *</c>, <c>pg_advisory_unlock_all()</c>, <c>DISCARD SEQUENCES</c>, <c>DISCARD TEMP</c>, and the
/// session authorisation's reset) before the next request's first statement, on every return. The service
/// leaves nothing for them to clean: its settings are startup options (the clock) or <c>SET LOCAL</c>, its
/// locks are transaction-scoped, it opens no cursor, listens to nothing and creates no temporary table; the
/// migrations' session lock is taken on an unpooled connection of their own; and Npgsql still rolls back
/// a transaction left open on a returned connection. Values given in the connection string win.
/// </summary>
public static class ServiceConnections
{
    /// <summary>More than the service's distinct hot statements, so that none is evicted by another.</summary>
    public const int MaxAutoPrepare = 256;

    public const int AutoPrepareMinUsages = 2;

    /// <summary>The connection string of a pool of the service: its clock, statements prepared, no reset on return.</summary>
    public static string For(string connectionString, TimeProvider time)
    {
        var builder = new NpgsqlConnectionStringBuilder(Clock.WithClock(connectionString, time));
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!Given(given, "Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = MaxAutoPrepare;
        }

        if (!Given(given, "Auto Prepare Min Usages"))
        {
            builder.AutoPrepareMinUsages = AutoPrepareMinUsages;
        }

        if (!Given(given, "No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>Whether the operator's connection string sets <paramref name="keyword"/> (spaces and case aside).</summary>
    private static bool Given(DbConnectionStringBuilder builder, string keyword) =>
        builder.Keys.Cast<string>().Any(key => string.Equals(key.Replace(" ", ""), keyword.Replace(" ", ""), StringComparison.OrdinalIgnoreCase));
}
