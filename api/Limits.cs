using System.Globalization;
using System.Threading.RateLimiting;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;
using CpxTeleservice.Structures;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CpxTeleservice;

/// <summary>The limits on hostile callers (README, "Limits"), registered and put in the pipeline in one place.</summary>
public static class Limits
{
    private const string UploadEndpoint = "UploadContractDocument";
    private const string ExportEndpoint = "ListStructureCards";

    public static WebApplicationBuilder AddCpxLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>()
            .Bind(builder.Configuration.GetSection(LimitsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var limits = builder.Configuration.GetSection(LimitsOptions.Section).Get<LimitsOptions>() ?? new LimitsOptions();
        builder.Services.ConfigureHttpJsonOptions(json => InputGuard.Configure(json.SerializerOptions, limits.MaxStringLength));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = limits.MaxConnections;
            kestrel.Limits.Http2.MaxStreamsPerConnection = limits.MaxStreamsPerConnection;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(limits.RequestHeadersTimeoutSeconds);
        });

        builder.Services.AddSingleton(services =>
        {
            var connectionString = new NpgsqlConnectionStringBuilder(
                ServiceConnections.For(builder.Configuration.GetConnectionString("Postgres")!, services.GetRequiredService<TimeProvider>()))
            {
                MaxPoolSize = limits.AuthenticationPoolSize,
            };
            return new AuthenticationDatabase(new NpgsqlDataSourceBuilder(connectionString.ConnectionString) { Name = "cpx-authentication" }.Build());
        });
        builder.Services.AddSingleton(services => new RefusalAudit(
            new Audit.AuditLog(services.GetRequiredService<AuthenticationDatabase>().DataSource, services.GetRequiredService<ILogger<Audit.AuditLog>>()),
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<IOptions<LimitsOptions>>(), services.GetRequiredService<ILogger<RefusalAudit>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<RefusalAudit>());
        builder.Services.AddSingleton<ExportGate>();

        builder.Services.AddSingleton(services => new CardRates(services.GetRequiredService<IOptions<LimitsOptions>>().Value));
        builder.Services.AddOptions<RateLimiterOptions>().Configure<CardRates>((options, rates) =>
        {
            options.GlobalLimiter = rates.Global;
            options.OnRejected = (rejected, cancellationToken) => RateLimitedAsync(rejected.HttpContext,
                rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1));
        });
        builder.Services.AddRateLimiter(_ => { });
        return builder;
    }

    /// <summary>
    /// 429 <c>/problems/rate-limited</c> with <c>Retry-After</c> in whole seconds; to a gRPC call, the gRPC
    /// status RESOURCE_EXHAUSTED (8) whose message starts with <c>rate-limited</c>, and the wait in
    /// <c>grpc-retry-pushback-ms</c>, as a trailers-only answer gRPC clients read as a status.
    /// </summary>
    public static async ValueTask RateLimitedAsync(HttpContext context, TimeSpan retryAfter, string? detail = null)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "8";
            context.Response.Headers["grpc-message"] = $"rate-limited: retry after {seconds} s";
            context.Response.Headers["grpc-retry-pushback-ms"] = (seconds * 1000).ToString(CultureInfo.InvariantCulture);
            return;
        }

        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ProblemWriter.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Too many requests",
            detail ?? $"Retry after {seconds} s.");
    }

    /// <summary>Before authentication: the query and path checks, and each route's body limit.</summary>
    public static WebApplication UseCpxInputGuard(this WebApplication app)
    {
        app.Use(InputGuard.Middleware);
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body
                && !(context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) ?? false))
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<LimitsOptions>>().Value;
                body.MaxRequestBodySize = EndpointName(context) == UploadEndpoint
                    ? context.RequestServices.GetRequiredService<IOptions<ContractOptions>>().Value.MaxDocumentBytes + 64 * 1024
                    : limits.MaxJsonBodyBytes;
            }

            await next();
        });
        return app;
    }

    /// <summary>After authentication: the rate limiter (by card, or by address before a card is authenticated) and the export gate.</summary>
    public static WebApplication UseCpxLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        app.Use(async (context, next) =>
        {
            if (EndpointName(context) == ExportEndpoint && context.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase)
                && context.Features.Get<Caller>() is { } caller)
            {
                using var lease = context.RequestServices.GetRequiredService<ExportGate>().TryEnter(caller.IdNat);
                if (lease is null)
                {
                    await RateLimitedAsync(context, TimeSpan.FromSeconds(1), "Too many CSV exports at once: wait for one to finish.");
                    return;
                }

                await next();
                return;
            }

            await next();
        });
        return app;
    }

    private static string? EndpointName(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
}
