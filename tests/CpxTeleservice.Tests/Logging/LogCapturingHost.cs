using CpxTeleservice.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpxTeleservice.Tests.Logging;

/// <summary>A service whose log lines, as the JSON formatter writes them, are kept for the test to read.</summary>
public sealed class LogCapturingHost : ServiceHost
{
    public LogCapturingHost() => With("Logging:LogLevel:" + CpxTeleservice.Logging.RequestLog.Category, "Information");

    public LogCapture Capture { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Capture));
    }
}
