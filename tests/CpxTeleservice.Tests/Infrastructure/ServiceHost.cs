using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.DevPki;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CpxTeleservice.Tests.Infrastructure;

/// <summary>
/// The real service on a real Kestrel HTTPS port with its own database: every request made through
/// <see cref="CreateClient(X509Certificate2?, Version?)"/> goes through a TLS handshake that presents
/// the given card certificate, as a structure's software does.
/// </summary>
public class ServiceHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>The operator of every test host: configured, not registered.</summary>
    public static readonly CardIdentity Operator = new("513000578000015/OPS0099", "LEROY", "ANNE", 2, "9000000099",
        Organisation: "AGENCE DU NUMERIQUE EN SANTE", OrganisationUnit: "313000578000015");

    private readonly Dictionary<string, string?> _settings = new();

    public TestDatabase Database { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public TestPki Pki => TestPki.Current;

    /// <summary>Overrides a setting before the host starts (in <c>Section:Key</c> form).</summary>
    public ServiceHost With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public virtual async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        OnDatabaseCreated(Database);
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps()));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    /// <summary>The host's database: a new one on the run's PostgreSQL, unless the host brings a cluster of its own.</summary>
    protected virtual Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.CreateAsync();

    /// <summary>After the host and its database are gone: what else the host started (a cluster of its own).</summary>
    protected virtual Task OnDisposedAsync() => Task.CompletedTask;

    /// <summary>For hosts whose settings depend on their database (its connection strings).</summary>
    protected virtual void OnDatabaseCreated(TestDatabase database)
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        var settings = new Dictionary<string, string?>
        {
            // The service logs in as the runtime role; its migrations run as the schema's owner.
            ["ConnectionStrings:Postgres"] = Database.RuntimeConnectionString,
            ["ConnectionStrings:PostgresOwner"] = _settings.ContainsKey("ConnectionStrings:Postgres") ? null : Database.OwnerConnectionString,
            ["Trust:CardAnchors"] = Pki.CardAnchorsPath,
            ["Trust:OrganisationAnchors"] = Pki.OrganisationAnchorsPath,
            ["Tls:Certificate"] = Pki.ServerCertificatePath,
            ["Tls:Key"] = Pki.ServerKeyPath,
            ["Operators:0:IdNat"] = Operator.IdNat,
            ["Operators:0:CardSerial"] = Operator.CardSerial,
            ["DataProtection:KeysPath"] = Path.Combine(Pki.Folder, "keys"),
            ["Logging:LogLevel:Default"] = "Warning",
            // Tests run the renewal pass themselves, when they mean to.
            ["Renewal:Enabled"] = "false",
            // Webhook receivers in tests listen on loopback over plain http.
            ["Events:AllowLoopbackHttp"] = "true",
        };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A client whose TLS handshakes present <paramref name="card"/> (none when null) and trust only the test root.</summary>
    public HttpClient CreateClient(X509Certificate2? card, Version? version = null) => Client(BaseAddress, card, version);

    /// <summary>
    /// A client of the service at <paramref name="baseAddress"/> (in this process or not) whose TLS handshakes
    /// present <paramref name="card"/> (none when null) and trust only the test root.
    /// </summary>
    public static HttpClient Client(Uri baseAddress, X509Certificate2? card, Version? version = null)
    {
        var pki = TestPki.Current;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = card is null ? null : new X509CertificateCollection { card },
                LocalCertificateSelectionCallback = card is null ? null : (_, _, _, _, _) => card,
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { pki.Root.Certificate },
                    ExtraStore = { pki.OrganisationCa.Certificate },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            DefaultRequestVersion = version ?? HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public HttpClient CreateClient(CardIdentity card, CardCertificateUsage usage = CardCertificateUsage.Authentication) =>
        CreateClient(Pki.Card(card, usage));

    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
            await Database.DisposeAsync();
        }
        finally
        {
            await OnDisposedAsync();
        }
    }
}
