using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace CpxTeleservice.Grpc;

public delegate Task<TResponse> UnaryServerMethod<TRequest, TResponse>(TRequest request, ServerCallContext context);
public delegate Task<TResponse> ClientStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context);
public delegate Task ServerStreamingServerMethod<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);
public delegate Task DuplexStreamingServerMethod<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context);

/// <summary>
/// Turns a handler of one of the four call types into a request delegate: protocol checks, the
/// call context, reading and writing messages, and the one status that ends the call.
/// </summary>
internal static class ServerCallHandler
{
    private const string LoggerName = "CpxTeleservice.Grpc";

    public static RequestDelegate Unary<TRequest, TResponse>(string method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse>
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        return context => HandleAsync(context, method, async call =>
        {
            var request = await ReadSingleMessageAsync(call, parser);
            var response = await handler(request, call);
            await call.WriteMessageAsync(response);
        });
    }

    public static RequestDelegate ClientStreaming<TRequest, TResponse>(string method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse>
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        return context => HandleAsync(context, method, async call =>
        {
            var response = await handler(new PipeStreamReader<TRequest>(call, context.Request.BodyReader, parser), call);
            await call.WriteMessageAsync(response);
        });
    }

    public static RequestDelegate ServerStreaming<TRequest, TResponse>(string method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse>
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        return context => HandleAsync(context, method, async call =>
        {
            var request = await ReadSingleMessageAsync(call, parser);
            await handler(request, new PipeStreamWriter<TResponse>(call), call);
        });
    }

    public static RequestDelegate DuplexStreaming<TRequest, TResponse>(string method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse>
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        return context => HandleAsync(context, method, call =>
            handler(new PipeStreamReader<TRequest>(call, context.Request.BodyReader, parser), new PipeStreamWriter<TResponse>(call), call));
    }

    /// <summary>A unary request is exactly one message followed by the end of the client's stream.</summary>
    private static async Task<TRequest> ReadSingleMessageAsync<TRequest>(HttpContextServerCallContext call, MessageParser<TRequest> parser)
        where TRequest : IMessage<TRequest>
    {
        var reader = new PipeStreamReader<TRequest>(call, call.GetHttpContext().Request.BodyReader, parser);
        if (!await reader.MoveNext(CancellationToken.None))
        {
            throw new RpcException(StatusCode.Internal, "Incomplete message.");
        }

        var request = reader.Current;
        if (await reader.MoveNext(CancellationToken.None))
        {
            throw new RpcException(StatusCode.Internal, "Additional data after the message received.");
        }

        return request;
    }

    private static async Task HandleAsync(HttpContext context, string method, Func<HttpContextServerCallContext, Task> invoke)
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerName);
        if (!TryAcceptRequest(context, logger))
        {
            return;
        }

        await using var call = new HttpContextServerCallContext(
            context, method, services.GetRequiredService<IOptions<GrpcServerOptions>>().Value, logger, services.GetRequiredService<TimeProvider>());
        call.Initialize();
        try
        {
            await invoke(call);
            await call.CompleteAsync(call.Status, null);
        }
        catch (Exception exception)
        {
            await call.CompleteAsync(StatusFor(exception, call, logger), (exception as RpcException)?.Trailers);
        }
    }

    /// <summary>What status an exception out of a handler ends the call with.</summary>
    internal static Status StatusFor(Exception exception, HttpContextServerCallContext call, ILogger logger)
    {
        if (call.DeadlineHasPassed)
        {
            return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
        }

        if (call.GetHttpContext().RequestAborted.IsCancellationRequested)
        {
            return Status.DefaultCancelled; // not sent: the client reset the stream
        }

        if (exception is RpcException rpc)
        {
            return rpc.Status;
        }

        // Never the exception's text: it may hold anything (SQL, paths, personal data). The log has it.
        GrpcLog.HandlerFailed(logger, call.Method, exception);
        return new Status(StatusCode.Unknown, "Exception was thrown by handler.");
    }

    /// <summary>
    /// HTTP/2 only, content-type application/grpc[+proto…] only. A refusal is an HTTP error
    /// that also carries a gRPC status, as grpc-dotnet sends it.
    /// </summary>
    internal static bool TryAcceptRequest(HttpContext context, ILogger logger)
    {
        var request = context.Request;
        if (!(HttpProtocol.IsHttp2(request.Protocol) || HttpProtocol.IsHttp3(request.Protocol)))
        {
            GrpcLog.UnsupportedProtocol(logger, request.Protocol, request.Path);
            SendHttpError(context, StatusCodes.Status426UpgradeRequired, StatusCode.Internal, $"Request protocol '{request.Protocol}' is not supported.");
            context.Response.Headers.Upgrade = "h2";
            context.Response.Headers.Connection = "Upgrade";
            return false;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            GrpcLog.UnsupportedContentType(logger, request.ContentType, request.Path);
            SendHttpError(context, StatusCodes.Status415UnsupportedMediaType, StatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported.");
            return false;
        }

        return true;
    }

    private static void SendHttpError(HttpContext context, int httpStatus, StatusCode grpcStatus, string message)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        var response = context.Response;
        response.StatusCode = httpStatus;
        response.Headers[GrpcProtocol.StatusTrailer] = ((int)grpcStatus).ToString(CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageTrailer] = GrpcProtocol.PercentEncode(message);
    }

    /// <summary>The catch-all for gRPC requests no method matched: HTTP 200 with UNIMPLEMENTED (PROTOCOL-HTTP2.md, statuscodes.md).</summary>
    public static RequestDelegate Unimplemented(GrpcServiceRegistry registry) => context =>
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerName);
        if (!TryAcceptRequest(context, logger))
        {
            return Task.CompletedTask;
        }

        GrpcLog.Unimplemented(logger, context.Request.Path);
        var service = context.Request.RouteValues["unimplementedService"] as string;
        SendHttpError(context, StatusCodes.Status200OK, StatusCode.Unimplemented,
            service is not null && registry.IsRegistered(service) ? "Method is unimplemented." : "Service is unimplemented.");
        context.Response.ContentType = GrpcProtocol.ContentType;
        return Task.CompletedTask;
    };
}
