using System.Diagnostics;
using CpxTeleservice.Security;

namespace CpxTeleservice.Logging;

/// <summary>
/// One compact Information line per request (event <c>Request</c>): method, route, status, duration,
/// under a scope carrying the caller's IdNat (no name, no certificate, no query string), in place of
/// ASP.NET Core's own per-request lines, which stay off. Off in Production (<c>appsettings.Production.json</c>);
/// <c>Logging__LogLevel__CpxTeleservice.Requests</c> set to <c>Information</c> turns it on, <c>Warning</c> off.
/// </summary>
internal static partial class RequestLog
{
    public const string Category = "CpxTeleservice.Requests";

    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
                    using var scope = context.Features.Get<Caller>() is { } caller
                        ? logger.BeginScope(new KeyValuePair<string, object?>[] { new("CallerIdNat", caller.IdNat) })
                        : null;
                    LogRequest(logger, context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        });
    }

    [LoggerMessage(EventId = 1, EventName = "Request", Level = LogLevel.Information, Message = "{Method} {Route} {Status} in {DurationMs:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string route, int status, double durationMs);
}
