using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>
/// The intake host whose every log entry, at every level, is kept; the settings ask Grpc.AspNetCore's call
/// handler (and every Grpc category) to log everything (Trace), as an operator's appsettings may. The per-address rate limit is lifted
/// so that every call a test sends reaches the gRPC layer.
/// </summary>
public sealed class AllLevelsLogHost : IntakeHost
{
    public const string CallHandlerCategory = "Grpc.AspNetCore.Server.ServerCallHandler";

    public AllLevelsLogHost()
    {
        With("Logging:LogLevel:Grpc", "Trace");
        With("Logging:LogLevel:" + CallHandlerCategory, "Trace");
        // A rule for this very provider, which outranks every rule for all providers.
        With($"Logging:{typeof(QueueLoggerProvider).FullName}:LogLevel:{CallHandlerCategory}", "Trace");
        With("Logging:LogLevel:" + typeof(CpxTeleservice.Intake.HandlerFailureInterceptor).FullName, "Debug");
        With("Limits:RequestsPerSecondPerAddress", "1000000");
    }

    public ConcurrentQueue<(string Category, LogLevel Level, EventId Event, string Message, Exception? Exception)> Log { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(new QueueLoggerProvider(Log)));
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<(string, LogLevel, EventId, string, Exception?)> queue) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(categoryName, queue);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(string category, ConcurrentQueue<(string, LogLevel, EventId, string, Exception?)> queue) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            queue.Enqueue((category, logLevel, eventId, formatter(state, exception), exception));
    }
}
