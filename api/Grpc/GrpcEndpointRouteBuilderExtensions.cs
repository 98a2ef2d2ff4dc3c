using Google.Protobuf;
using Microsoft.AspNetCore.Routing.Patterns;

namespace CpxTeleservice.Grpc;

/// <summary>What kind of call a mapped method is.</summary>
public enum MethodType
{
    Unary,
    ClientStreaming,
    ServerStreaming,
    DuplexStreaming,
}

/// <summary>Endpoint metadata of a gRPC method, for whatever inspects endpoints.</summary>
public sealed record GrpcMethodMetadata(string Service, string Method, MethodType Type)
{
    public string FullName => $"/{Service}/{Method}";
}

/// <summary>The services mapped, by fully qualified name: the unimplemented answer and health checks read it.</summary>
public sealed class GrpcServiceRegistry
{
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();

    public void Add(string service)
    {
        lock (_sync)
        {
            _services.Add(service);
        }
    }

    public bool IsRegistered(string service)
    {
        lock (_sync)
        {
            return _services.Contains(service);
        }
    }

    public IReadOnlyList<string> Services
    {
        get
        {
            lock (_sync)
            {
                return _services.Order(StringComparer.Ordinal).ToList();
            }
        }
    }
}

/// <summary>
/// Registration of gRPC methods on endpoint routing: <c>POST /package.Service/Method</c>
/// (PROTOCOL-HTTP2.md, "Path → :path "/" Service-Name "/" {method name}"). The shape follows
/// Grpc.AspNetCore's so the registrations can move to it.
/// </summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>The layer's services: options from the <c>Grpc</c> section, the registry of mapped services.</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GrpcServerOptions>()
            .Bind(configuration.GetSection("Grpc"))
            .Validate(o => o.MaxReceiveMessageSize > 0, "Grpc__MaxReceiveMessageSize must be a positive number of bytes.")
            .ValidateOnStart();
        services.AddSingleton<GrpcServiceRegistry>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, string service, string method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse> =>
        endpoints.MapMethod(service, method, MethodType.Unary, ServerCallHandler.Unary($"/{service}/{method}", handler));

    public static IEndpointConventionBuilder MapGrpcClientStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, string service, string method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse> =>
        endpoints.MapMethod(service, method, MethodType.ClientStreaming, ServerCallHandler.ClientStreaming($"/{service}/{method}", handler));

    public static IEndpointConventionBuilder MapGrpcServerStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, string service, string method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse> =>
        endpoints.MapMethod(service, method, MethodType.ServerStreaming, ServerCallHandler.ServerStreaming($"/{service}/{method}", handler));

    public static IEndpointConventionBuilder MapGrpcBidiStreaming<TRequest, TResponse>(this IEndpointRouteBuilder endpoints, string service, string method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : IMessage<TRequest>, new() where TResponse : IMessage<TResponse> =>
        endpoints.MapMethod(service, method, MethodType.DuplexStreaming, ServerCallHandler.DuplexStreaming($"/{service}/{method}", handler));

    /// <summary>
    /// Every other request with a gRPC content-type gets HTTP 200 and UNIMPLEMENTED, as Grpc.AspNetCore's
    /// catch-all does; it is tried after every other route.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcUnimplemented(this IEndpointRouteBuilder endpoints)
    {
        var pattern = RoutePatternFactory.Parse(
            "{unimplementedService}/{unimplementedMethod}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { ["unimplementedService"] = new GrpcContentTypeConstraint() });
        var registry = endpoints.ServiceProvider.GetRequiredService<GrpcServiceRegistry>();
        var builder = endpoints.Map(pattern, ServerCallHandler.Unimplemented(registry))
            .WithDisplayName("gRPC - unimplemented")
            .ExcludeFromDescription()
            .AllowAnonymous();
        builder.Add(endpoint => ((RouteEndpointBuilder)endpoint).Order = int.MaxValue);
        return builder;
    }

    private static IEndpointConventionBuilder MapMethod(this IEndpointRouteBuilder endpoints, string service, string method, MethodType type, RequestDelegate handler)
    {
        endpoints.ServiceProvider.GetRequiredService<GrpcServiceRegistry>().Add(service);
        var metadata = new GrpcMethodMetadata(service, method, type);
        return endpoints.MapPost(metadata.FullName, handler)
            .WithMetadata(metadata)
            .WithDisplayName($"gRPC - {metadata.FullName}")
            .ExcludeFromDescription();
    }

    /// <summary>Matches only requests whose content-type is gRPC's.</summary>
    private sealed class GrpcContentTypeConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            httpContext is not null && GrpcProtocol.IsGrpcContentType(httpContext.Request.ContentType);
    }
}
