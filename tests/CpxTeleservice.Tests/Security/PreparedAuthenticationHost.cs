using CpxTeleservice.Tests.Infrastructure;

namespace CpxTeleservice.Tests.Security;

/// <summary>
/// A service whose authentication pool holds one connection, so that every request's registry read runs on
/// the same PostgreSQL session and its prepared statement.
/// </summary>
public sealed class PreparedAuthenticationHost : ServiceHost
{
    public PreparedAuthenticationHost()
    {
        With("Limits:AuthenticationPoolSize", "1");
    }
}
