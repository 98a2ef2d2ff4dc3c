using System.Diagnostics;
using CpxTeleservice.Security;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;

namespace CpxTeleservice.Telemetry;

/// <summary>
/// OpenTelemetry traces and metrics (ASP.NET Core, which covers the gRPC server, Npgsql, and the
/// service's own meter), exported by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; and the
/// same meters scrapeable at <c>/metrics</c> in Prometheus text format through prometheus-net's
/// bridge from <c>System.Diagnostics.Metrics</c>, for an operator's card or a configured network.
/// </summary>
internal static class TelemetryHosting
{
    public const string MetricsReaderPolicy = "MetricsReader";

    private static readonly string[] Meters =
        [CpxMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Authentication", "Npgsql"];

    public static WebApplicationBuilder AddCpxTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("CpxTeleservice"));
        // Spans are recorded only when they have somewhere to go: without an exporter, recording a span per
        // request and per SQL command costs CPU on every request for nothing (bench/findings.md).
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics"))
                .AddNpgsql()
                .AddOtlpExporter());
        }

        telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        ConfigurePrometheusOnce();

        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsReaderPolicy, policy => policy.RequireAssertion(context =>
            context.User.HasClaim(c => c.Type == CardAuthenticationDefaults.OperatorClaim)
            || (context.Resource is HttpContext http && http.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.Allows(http.Connection.RemoteIpAddress))));
        _ = telemetry;
        return builder;
    }

    private static int _prometheusConfigured;

    /// <summary>prometheus-net's registry is process-wide: its bridge is set up once, whatever the number of hosts.</summary>
    private static void ConfigurePrometheusOnce()
    {
        if (Interlocked.Exchange(ref _prometheusConfigured, 1) == 1)
        {
            return;
        }

        // The bridge publishes the meters above; prometheus-net's event-counter series are left out.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressDebugMetrics = true, SuppressProcessMetrics = false, SuppressMeters = false });
        Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = instrument => Meters.Contains(instrument.Meter.Name));
    }

    /// <summary>Tags the request's span with who called (IdNat, never a name nor a certificate) and for which structure.</summary>
    public static IApplicationBuilder UseCallerTags(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            if (context.Features.Get<Caller>() is { } caller)
            {
                activity.SetTag("cpx.caller.idnat", caller.IdNat);
                activity.SetTag("cpx.caller.card_type", caller.CardType.ToString());
            }

            if (context.Request.RouteValues["structureId"] is string id)
            {
                activity.SetTag("cpx.structure.id", id);
            }
        }

        return next(context);
    });

    public static IEndpointRouteBuilder MapCpxMetrics(this IEndpointRouteBuilder app)
    {
        // GET only, as openapi.yaml says; prometheus-net maps every method otherwise.
        app.MapMetrics("/metrics").WithMetadata(new HttpMethodMetadata([HttpMethods.Get])).RequireAuthorization(MetricsReaderPolicy).WithName("Metrics");
        return app;
    }
}
