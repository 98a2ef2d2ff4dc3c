using CpxTeleservice.Security;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Infrastructure;

/// <summary>The limits on hostile callers (README, "Limits"), registered and put in the pipeline in one place.</summary>
public static class Limits
{
    public static WebApplicationBuilder AddCpxLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>()
            .Bind(builder.Configuration.GetSection(LimitsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var maxStringLength = builder.Configuration.GetSection(LimitsOptions.Section).Get<LimitsOptions>()?.MaxStringLength ?? new LimitsOptions().MaxStringLength;
        builder.Services.ConfigureHttpJsonOptions(json => InputGuard.Configure(json.SerializerOptions, maxStringLength));
        builder.Services.AddSingleton<RefusalAudit>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RefusalAudit>());
        return builder;
    }

    /// <summary>Before authentication: the query and path checks.</summary>
    public static WebApplication UseCpxInputGuard(this WebApplication app)
    {
        app.Use(InputGuard.Middleware);
        return app;
    }
}
