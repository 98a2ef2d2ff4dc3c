using CpxTeleservice.Infrastructure;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace CpxTeleservice.Intake;

/// <summary>
/// A handler's failure answers UNKNOWN with a fixed message and nothing of the exception: the log has
/// it, with the method. An <see cref="RpcException"/> is a status the handler chose and passes as it is.
/// A request message that cannot be read (not protobuf, not the gzip or deflate it claims, a reserved
/// flag value, a declared length past what a frame can hold) is the caller's fault, not the handler's: INTERNAL, as PROTOCOL-HTTP2.md has
/// it for a message that fails to parse, with a fixed message and a Debug log line only, so that a
/// stranger's garbage neither reads as a failure nor fills the log. PostgreSQL out of reach
/// (<see cref="DatabaseOutage"/>) is no failure of the handler either: UNAVAILABLE, which gRPC clients
/// retry, with a fixed message; every record acked before it is committed, so the client resends from
/// its first record without an ack. It wraps every service's handlers, health and reflection included
/// (IntakeHosting); a unary or server-streaming request (grpc.health.v1) is read before it runs, and
/// IntakeHosting keeps the package's log of such a read quiet.
/// </summary>
public sealed partial class HandlerFailureInterceptor(DatabaseOutage outage, ILogger<HandlerFailureInterceptor> logger) : Interceptor
{
    public const string Message = "Exception was thrown by handler.";

    public const string UnavailableMessage = "The database is unavailable: resend from the first record without an ack once the service is ready.";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception exception) when (!context.CancellationToken.IsCancellationRequested && IsUnreadableMessage(exception))
        {
            throw Unreadable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context) && DatabaseOutage.Is(exception))
        {
            throw Unavailable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context))
        {
            throw Unknown(exception, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception exception) when (!context.CancellationToken.IsCancellationRequested && IsUnreadableMessage(exception))
        {
            throw Unreadable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context) && DatabaseOutage.Is(exception))
        {
            throw Unavailable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context))
        {
            throw Unknown(exception, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception exception) when (!context.CancellationToken.IsCancellationRequested && IsUnreadableMessage(exception))
        {
            throw Unreadable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context) && DatabaseOutage.Is(exception))
        {
            throw Unavailable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context))
        {
            throw Unknown(exception, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception exception) when (!context.CancellationToken.IsCancellationRequested && IsUnreadableMessage(exception))
        {
            throw Unreadable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context) && DatabaseOutage.Is(exception))
        {
            throw Unavailable(exception, context);
        }
        catch (Exception exception) when (IsFailure(exception, context))
        {
            throw Unknown(exception, context);
        }
    }

    /// <summary>Not a chosen status, nor the end of a call the client or its deadline cancelled.</summary>
    private static bool IsFailure(Exception exception, ServerCallContext context) =>
        exception is not RpcException && !(exception is OperationCanceledException or IOException && context.CancellationToken.IsCancellationRequested);

    public const string UnreadableMessage = "The request message could not be read.";

    /// <summary>Thrown while the request's messages are read: protobuf's parse errors, Grpc.AspNetCore's framing errors.</summary>
    private static bool IsUnreadableMessage(Exception exception) =>
        exception is Google.Protobuf.InvalidProtocolBufferException
        || (exception is not RpcException && exception.Source is "Grpc.AspNetCore.Server" or "System.IO.Compression");

    private RpcException Unreadable(Exception exception, ServerCallContext context)
    {
        LogUnreadable(logger, context.Method, context.GetHttpContext().TraceIdentifier, exception.Message);
        return new RpcException(new Status(StatusCode.Internal, UnreadableMessage));
    }

    [LoggerMessage(2, LogLevel.Debug, "gRPC call {Method} ({RequestId}): the request message could not be read: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string method, string requestId, string reason);

    private RpcException Unavailable(Exception exception, ServerCallContext context)
    {
        outage.Seen(exception, context.Method);
        return new RpcException(new Status(StatusCode.Unavailable, UnavailableMessage));
    }

    private RpcException Unknown(Exception exception, ServerCallContext context)
    {
        LogFailure(logger, context.Method, context.GetHttpContext().TraceIdentifier, exception);
        return new RpcException(new Status(StatusCode.Unknown, Message));
    }

    [LoggerMessage(EventId = 1, EventName = "GrpcHandlerFailed", Level = LogLevel.Error, Message = "gRPC call {Method} ({RequestId}) failed")]
    private static partial void LogFailure(ILogger logger, string method, string requestId, Exception exception);
}
