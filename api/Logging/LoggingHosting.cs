using Microsoft.Extensions.Logging.Console;

namespace CpxTeleservice.Logging;

/// <summary>Console logs as JSON lines (<see cref="JsonLineFormatter"/>) unless <c>Logging__Console__FormatterName</c> chooses another formatter.</summary>
internal static class LoggingHosting
{
    public static WebApplicationBuilder AddCpxLogging(this WebApplicationBuilder builder)
    {
        var chosen = builder.Configuration["Logging:Console:FormatterName"];
        builder.Logging.AddConsole(options => options.FormatterName = string.IsNullOrEmpty(chosen) ? JsonLineFormatter.Name : chosen)
            .AddConsoleFormatter<JsonLineFormatter, ConsoleFormatterOptions>();
        return builder;
    }
}
