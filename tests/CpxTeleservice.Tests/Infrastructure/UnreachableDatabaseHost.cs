namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>A service whose PostgreSQL does not answer: not ready, and what needs the database is a 503 problem.</summary>
public sealed class UnreachableDatabaseHost : ServiceHost
{
    public UnreachableDatabaseHost()
    {
        With("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=2");
        With("Database:MigrateOnStartup", "false");
    }
}
