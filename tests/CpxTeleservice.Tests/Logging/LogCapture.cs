using System.Collections.Concurrent;
using CpxTeleservice.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CpxTeleservice.Tests.Logging;

/// <summary>A logger provider that formats every entry with the service's JSON line formatter, with the real scopes, and keeps the lines.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        private static readonly JsonLineFormatter Formatter = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            using var writer = new StringWriter();
            Formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), capture._scopes, writer);
            capture.Lines.Enqueue(writer.ToString());
        }
    }
}
