namespace CpxTeleservice.Grpc;

/// <summary>The layer's log events, source-generated.</summary>
internal static partial class GrpcLog
{
    [LoggerMessage(1, LogLevel.Debug, "Call {Method} started (deadline {Deadline:O}).")]
    public static partial void CallStarted(ILogger logger, string method, DateTime deadline);

    [LoggerMessage(2, LogLevel.Debug, "Call {Method} ended with status {StatusCode}: {Detail}")]
    public static partial void CallEnded(ILogger logger, string method, StatusCode statusCode, string detail);

    [LoggerMessage(3, LogLevel.Error, "Call {Method}: the handler threw; the client gets UNKNOWN.")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(4, LogLevel.Debug, "Invalid grpc-timeout header value '{Timeout}' has been ignored.")]
    public static partial void InvalidTimeoutIgnored(ILogger logger, string timeout);

    [LoggerMessage(5, LogLevel.Debug, "Call {Method} exceeded its deadline.")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(6, LogLevel.Debug, "Call {Method} was cancelled by the client.")]
    public static partial void CancelledByClient(ILogger logger, string method);

    [LoggerMessage(7, LogLevel.Information, "Request protocol '{Protocol}' is not supported for {Path}: gRPC needs HTTP/2.")]
    public static partial void UnsupportedProtocol(ILogger logger, string protocol, string path);

    [LoggerMessage(8, LogLevel.Information, "Request content-type '{ContentType}' is not supported for {Path}.")]
    public static partial void UnsupportedContentType(ILogger logger, string? contentType, string path);

    [LoggerMessage(9, LogLevel.Information, "Unimplemented gRPC method {Path}.")]
    public static partial void Unimplemented(ILogger logger, string path);

    [LoggerMessage(10, LogLevel.Debug, "Call {Method}: the status could not be sent.")]
    public static partial void StatusNotSent(ILogger logger, string method, Exception exception);
}
