using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Grpc;

/// <summary>
/// What a handler knows about its call, shaped like Grpc.Core's <c>ServerCallContext</c> so that a
/// handler moves to Grpc.AspNetCore with few changes.
/// </summary>
public abstract class ServerCallContext
{
    /// <summary>The method's path, <c>/package.Service/Method</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The <c>:authority</c> the client called.</summary>
    public abstract string Host { get; }

    /// <summary>The client's address, <c>ipv4:127.0.0.1:5000</c> or <c>ipv6:[::1]:5000</c> as grpc-dotnet writes it.</summary>
    public abstract string Peer { get; }

    /// <summary>When the call's deadline (from <c>grpc-timeout</c>) passes; <see cref="DateTime.MaxValue"/> when it has none.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>The request's headers (custom metadata included).</summary>
    public abstract IHeaderDictionary RequestHeaders { get; }

    /// <summary>Cancelled when the client cancels (RST_STREAM, disconnect) or the deadline passes.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Trailers sent with the status; lower-case ASCII names.</summary>
    public abstract IDictionary<string, string> ResponseTrailers { get; }

    /// <summary>The status sent when the handler returns normally (OK unless set).</summary>
    public abstract Status Status { get; set; }

    /// <summary>The certificate the client presented in the TLS handshake, if any.</summary>
    public abstract X509Certificate2? ClientCertificate { get; }

    /// <summary>The authenticated peer, as whoever authenticated the call set it (anonymous until then).</summary>
    public abstract ClaimsPrincipal User { get; set; }

    /// <summary>State a handler or an authenticator attaches to the call.</summary>
    public abstract IDictionary<object, object?> UserState { get; }

    /// <summary>Sends the response headers now (before the first message), with these extra headers.</summary>
    public abstract Task WriteResponseHeadersAsync(IReadOnlyDictionary<string, string> responseHeaders);

    /// <summary>The underlying HTTP/2 request (services, features), as Grpc.AspNetCore's extension of the same name.</summary>
    public abstract HttpContext GetHttpContext();
}
