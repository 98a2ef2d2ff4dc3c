using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using CpxTeleservice.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>What a test handler saw, keyed by the request's <c>x-probe</c> header.</summary>
public sealed class Probe
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The layer alone on a real Kestrel (HTTP/2 cleartext with prior knowledge, plus an HTTP/1.1
/// port), with test handlers of every call type: what the unit tests of the call handling use.
/// </summary>
public sealed class GrpcTestServer : IAsyncLifetime
{
    public const string Service = "test.v1.Echo";
    public const int MaxReceiveMessageSize = 64 * 1024;

    private WebApplication _app = null!;
    public ConcurrentDictionary<string, Probe> Probes { get; } = new();
    public Uri Http2Address { get; private set; } = null!;
    public Uri Http1Address { get; private set; } = null!;

    public Probe NewProbe(out string id)
    {
        id = Guid.NewGuid().ToString("N");
        return Probes.GetOrAdd(id, _ => new Probe());
    }

    private Probe ProbeOf(ServerCallContext context) =>
        Probes.GetOrAdd(context.RequestHeaders["x-probe"].ToString(), _ => new Probe());

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration["Grpc:MaxReceiveMessageSize"] = MaxReceiveMessageSize.ToString();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddGrpcServer(builder.Configuration);
        _app = builder.Build();
        _app.UseStatusCodePages();
        Map(_app);
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        Http2Address = addresses[0];
        Http1Address = addresses[1];
    }

    private void Map(WebApplication app)
    {
        app.MapGrpcUnary<StringValue, StringValue>(Service, "Echo", (request, _) => Task.FromResult(new StringValue { Value = request.Value }));
        app.MapGrpcUnary<StringValue, StringValue>(Service, "Limits", (_, context) =>
        {
            var features = context.GetHttpContext().Features;
            // (Kestrel's HTTP/2 stream accepts a MinDataRate but cannot read it back: only the body size is observable.)
            var maxBody = features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return Task.FromResult(new StringValue { Value = $"maxBody={maxBody?.ToString() ?? "none"}" });
        });
        app.MapGrpcUnary<StringValue, StringValue>(Service, "Fail", (_, _) =>
            throw new InvalidOperationException("secret detail: Host=db;Password=hunter2"));
        app.MapGrpcUnary<StringValue, StringValue>(Service, "Refuse", (request, _) =>
            throw new RpcException(new Status(StatusCode.FailedPrecondition, request.Value), new Dictionary<string, string> { ["x-reason"] = "chosen" }));
        app.MapGrpcUnary<StringValue, StringValue>(Service, "SetStatus", (_, context) =>
        {
            context.Status = new Status(StatusCode.AlreadyExists, "set by the handler");
            context.ResponseTrailers["x-extra"] = "trailer";
            return Task.FromResult(new StringValue { Value = "reply" });
        });
        app.MapGrpcClientStreaming<StringValue, StringValue>(Service, "Concat", async (requests, context) =>
        {
            var all = new List<string>();
            await foreach (var message in requests.ReadAllAsync(context.CancellationToken))
            {
                all.Add(message.Value);
            }

            return new StringValue { Value = string.Join(",", all) };
        });
        app.MapGrpcServerStreaming<StringValue, StringValue>(Service, "Repeat", async (request, responses, _) =>
        {
            foreach (var part in request.Value.Split(','))
            {
                await responses.WriteAsync(new StringValue { Value = part });
            }
        });
        // Echoes every message; "fail" ends the call with ABORTED after what was already written.
        app.MapGrpcBidiStreaming<StringValue, StringValue>(Service, "Chat", async (requests, responses, context) =>
        {
            await foreach (var message in requests.ReadAllAsync(context.CancellationToken))
            {
                if (message.Value == "fail")
                {
                    throw new RpcException(StatusCode.Aborted, "stopped at fail");
                }

                await responses.WriteAsync(new StringValue { Value = message.Value });
            }
        });
        // Waits on its token: records when it fires.
        app.MapGrpcBidiStreaming<StringValue, StringValue>(Service, "Wait", async (_, _, context) =>
        {
            var probe = ProbeOf(context);
            context.CancellationToken.Register(() => probe.Cancelled.TrySetResult());
            probe.Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        });
        // Ignores its token until the test releases it.
        app.MapGrpcBidiStreaming<StringValue, StringValue>(Service, "Stubborn", async (_, responses, context) =>
        {
            var probe = ProbeOf(context);
            context.CancellationToken.Register(() => probe.Cancelled.TrySetResult());
            probe.Started.TrySetResult();
            await probe.Release.Task;
            await responses.WriteAsync(new StringValue { Value = "too late" });
        });
        app.MapGrpcUnary<StringValue, StringValue>(Service, "Deadline", (_, context) =>
            Task.FromResult(new StringValue { Value = context.Deadline == DateTime.MaxValue ? "none" : context.Deadline.ToString("O") }));
        app.MapGrpcUnary<StringValue, StringValue>(Service, "Peer", (_, context) =>
            Task.FromResult(new StringValue { Value = context.Peer + " " + context.Method }));
        app.MapGrpcUnimplemented();
    }

    public async Task DisposeAsync()
    {
        foreach (var probe in Probes.Values)
        {
            probe.Release.TrySetResult();
        }

        await _app.DisposeAsync();
    }

    public HttpClient CreateClient(bool http1 = false) => new(new VersionHandler(http1 ? HttpVersion.Version11 : HttpVersion.Version20))
    {
        BaseAddress = http1 ? Http1Address : Http2Address,
        DefaultRequestVersion = http1 ? HttpVersion.Version11 : HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>Every request in the client's one HTTP version (a request message's own default is 1.1); HTTP/2 by prior knowledge.</summary>
    private sealed class VersionHandler(Version version) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Version = version;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            return base.SendAsync(request, cancellationToken);
        }
    }

    // ---------------------------------------------------------------- wire helpers

    public static byte[] Frame(IMessage message, byte flag = 0) => Frame(message.ToByteArray(), flag);

    public static byte[] Frame(byte[] payload, byte flag = 0, uint? declaredLength = null)
    {
        var bytes = new byte[5 + payload.Length];
        bytes[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(bytes, 5);
        return bytes;
    }

    public static byte[] Frames(params string[] values) => values.SelectMany(v => Frame(new StringValue { Value = v })).ToArray();

    public static HttpRequestMessage Request(string method, HttpContent content, string contentType = "application/grpc")
    {
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/{Service}/{method}") { Content = content };
        request.Headers.TE.ParseAdd("trailers");
        return request;
    }

    public static HttpRequestMessage Request(string method, byte[] body, string contentType = "application/grpc") =>
        Request(method, new ByteArrayContent(body), contentType);
}

/// <summary>A request body that sends its first bytes and then stays open until <see cref="End"/>: a client stream left open.</summary>
public sealed class OpenContent(byte[] initial) : HttpContent
{
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void End() => _end.TrySetResult();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(initial, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        await _end.Task.WaitAsync(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>A gRPC response read whole: HTTP status, messages, and the status wherever it came.</summary>
public sealed record GrpcResponse(HttpStatusCode HttpStatus, IReadOnlyList<StringValue> Messages, string? GrpcStatus, string? GrpcMessage, bool TrailersOnly,
    HttpResponseHeaders Headers, HttpResponseHeaders Trailers)
{
    public static async Task<GrpcResponse> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        var messages = new List<StringValue>();
        var isGrpc = response.Content.Headers.ContentType?.MediaType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
        for (var offset = 0; isGrpc && offset < body.Length;)
        {
            var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 1));
            Assert.True(offset + 5 + length <= body.Length, $"malformed body {response.StatusCode} {response.Version}: {Convert.ToHexString(body)} {System.Text.Encoding.UTF8.GetString(body)}");
            messages.Add(StringValue.Parser.ParseFrom(body, offset + 5, length));
            offset += 5 + length;
        }

        static string? One(HttpResponseHeaders headers, string name) => headers.TryGetValues(name, out var values) ? values.Single() : null;
        var inHeaders = One(response.Headers, "grpc-status");
        return new GrpcResponse(
            response.StatusCode,
            messages,
            inHeaders ?? One(response.TrailingHeaders, "grpc-status"),
            inHeaders is not null ? One(response.Headers, "grpc-message") : One(response.TrailingHeaders, "grpc-message"),
            inHeaders is not null,
            response.Headers,
            response.TrailingHeaders);
    }
}
