using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.Audit;
using CpxTeleservice.Authorization;
using CpxTeleservice.Events;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Orders;
using CpxTeleservice.Parc;
using CpxTeleservice.Problems;
using CpxTeleservice.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Npgsql;

namespace CpxTeleservice;

public static class Hosting
{
    /// <summary>Kestrel, the database, authentication and problem details, all from configuration.</summary>
    public static WebApplicationBuilder AddCpxServices(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var security = SecuritySettings.Load(configuration, builder.Environment);
        ConfigureKestrel(builder.WebHost, HandshakePolicy.Create(security));
        AddDatabase(builder.Services, configuration);
        builder.Services.AddAuditServices().AddOrdersServices().AddParcServices().AddAuthorizationServices().AddEventsServices()
            .AddIdempotencyServices();

        // Data protection seals the list cursors; one application name, so that instances sharing the key ring share cursors.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("CpxTeleservice");
        if (configuration.GetSection(DataProtectionKeysOptions.Section).Get<DataProtectionKeysOptions>()?.KeysPath is { Length: > 0 } keys)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        builder.Services.AddSecurityServices(security);
        AddCpxProblemDetails(builder.Services);
        builder.Services.AddExceptionHandler<UnhandledExceptionHandler>();
        return builder;
    }

    /// <summary>HTTP/1.1 and HTTP/2 over TLS, the server certificate from Tls__Certificate and Tls__Key, the client certificate asked for.</summary>
    private static void ConfigureKestrel(IWebHostBuilder webHost, X509ChainPolicy handshakePolicy)
    {
        webHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.ConfigureHttpsDefaults(https =>
            {
                // Allow, not Require: a caller without a certificate still reaches the authentication
                // handler and gets a 401 problem that says why. The certificate is asked for in the
                // initial handshake (no renegotiation, which HTTP/2 forbids). Kestrel must not check the
                // chain against the system store: the handler checks it against the configured anchors.
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.AllowAnyClientCertificate();
                HandshakePolicy.Apply(https, handshakePolicy);
                var tls = context.Configuration.GetSection("Tls");
                if (tls["Certificate"] is { Length: > 0 } certificatePath)
                {
                    var (certificate, chain) = LoadServerCertificate(
                        Path.GetFullPath(certificatePath, context.HostingEnvironment.ContentRootPath),
                        tls["Key"] is { Length: > 0 } key ? Path.GetFullPath(key, context.HostingEnvironment.ContentRootPath) : null);
                    https.ServerCertificate = certificate;
                    https.ServerCertificateChain = chain;
                }
            });
        });
    }

    /// <summary>The service's pool (ConnectionStrings__Postgres, required), the clock, and the migrations run at start.</summary>
    private static void AddDatabase(IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("The setting ConnectionStrings__Postgres (a PostgreSQL connection string) is required.");
        }

        // One clock (Clock__StartAt, Clock__OffsetSeconds): every "now" of the service, SQL's cpx_now() included.
        services.AddSingleton<TimeProvider>(Clock.Create);
        services.AddSingleton(provider =>
            new NpgsqlDataSourceBuilder(ServiceConnections.For(connectionString, provider.GetRequiredService<TimeProvider>())) { Name = "cpx" }.Build());
        // Migrations run as the schema's owner when ConnectionStrings__PostgresOwner is set (README, "Database
        // roles"): an unpooled source used only by them, while the service's pool logs in as the runtime role.
        // Unpooled either way: the migrations' session lock and DDL never reach a pooled connection, which is not reset.
        services.AddSingleton(provider => new MigrationRunner(
            new NpgsqlDataSourceBuilder(Clock.WithClock(
                configuration.GetConnectionString("PostgresOwner") is { Length: > 0 } owner ? owner : connectionString, provider.GetRequiredService<TimeProvider>()))
            {
                Name = "cpx-migrations", ConnectionStringBuilder = { Pooling = false },
            }.Build(),
            provider.GetRequiredService<ILogger<MigrationRunner>>()));
        services.AddHostedService<MigrationHostedService>();
    }

    /// <summary>Problem details of the service's types, with the request's path and id, in the caller's language.</summary>
    private static void AddCpxProblemDetails(IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Type is null or "" || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(problem.Status ?? 500) ?? problem.Type;
            }

            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
            ProblemLanguages.Localise(context);
        });
        services.AddCpxProblemLanguages();
        services.AddSingleton<DatabaseOutage>();
    }

    /// <summary>A PEM certificate (its first block the leaf, the rest its chain) and its PEM key.</summary>
    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadServerCertificate(string certificatePath, string? keyPath)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificatePath);
        using var leaf = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // SslStream on Linux wants a key it can export to its own store: a PKCS#12 round trip gives one.
        var certificate = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        foreach (var other in all.Skip(1))
        {
            chain.Add(other);
        }

        return (certificate, chain);
    }
}
