using Microsoft.AspNetCore.Diagnostics;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// Unhandled exceptions: PostgreSQL out of reach is a 503 <c>/problems/database-unavailable</c> with
/// <c>Retry-After</c> (<see cref="DatabaseOutage"/>); anything else is logged with its stack and answered
/// with a bare 500 problem.
/// </summary>
internal sealed partial class UnhandledExceptionHandler(IProblemDetailsService problems, DatabaseOutage outage, ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true; // the client has gone; nobody reads the answer
        }

        if (exception is Microsoft.AspNetCore.Http.BadHttpRequestException or InvalidDataException)
        {
            // A malformed request (a broken multipart body, a body over Kestrel's limit) is the client's error.
            var status = exception is Microsoft.AspNetCore.Http.BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
            httpContext.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = status,
                    Type = ProblemTypes.ForStatus(status) ?? ProblemTypes.BadRequest,
                    Title = "The request could not be read",
                    Detail = exception.Message,
                },
            });
        }

        if (DatabaseOutage.Is(exception))
        {
            // Card authentication reads the registry too: a card is neither refused nor let through while it cannot be read.
            outage.Seen(exception, $"{httpContext.Request.Method} {httpContext.Request.Path}");
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = DatabaseOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Type = ProblemTypes.DatabaseUnavailable,
                    Title = "The database is unavailable",
                    Detail = $"Retry after {DatabaseOutage.RetryAfterSeconds} s.",
                },
            });
        }

        LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Type = ProblemTypes.Internal,
                Title = "An unexpected error occurred",
                Detail = "The error was logged with the request id below.",
            },
        });
    }

    [LoggerMessage(EventId = 1, EventName = "UnhandledException", Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, PathString path);
}
