using System.Data.Common;
using Npgsql;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// How the service's pools talk to PostgreSQL. Every statement the service runs more than
/// <see cref="AutoPrepareMinUsages"/> times on a connection is prepared there (Npgsql's automatic
/// preparation): PostgreSQL parses it once per connection and, once its generic plan is as good as a
/// custom one, plans it once too. A connection returned to the pool is not reset: the service leaves no
/// session state behind (its settings are startup options, its locks are transaction-scoped, the
/// migrations' session lock is released before the connection is returned), so a reset would only throw
/// the prepared statements away. Values given in the connection string win.
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
