using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace CpxTeleservice.Grpc;

/// <summary>
/// One call on one HTTP/2 stream: its deadline, its cancellation, its writes and the one status it
/// ends with. Writes, the deadline and the end of the handler meet under one lock so that exactly
/// one status is sent and nothing is written after it.
/// </summary>
internal sealed class HttpContextServerCallContext : ServerCallContext, IAsyncDisposable
{
    /// <summary>A timer cannot be armed for more than about 49 days: a longer deadline is re-armed in steps.</summary>
    private static readonly TimeSpan MaxTimerStep = TimeSpan.FromDays(1);

    private readonly HttpContext _httpContext;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _deadlineSync = new();
    private CancellationTokenRegistration _abortRegistration;
    private ITimer? _deadlineTimer;
    private Task? _deadlineTask;
    private bool _disposed;
    private volatile bool _completed;
    private volatile bool _deadlineExceeded;
    private DateTimeOffset _deadline = DateTimeOffset.MaxValue;
    private Dictionary<string, string>? _trailers;
    private Dictionary<object, object?>? _userState;

    public HttpContextServerCallContext(HttpContext httpContext, string method, GrpcServerOptions options, ILogger logger, TimeProvider time)
    {
        _httpContext = httpContext;
        Method = method;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        _logger = logger;
        _time = time;
    }

    public override string Method { get; }
    public int MaxReceiveMessageSize { get; }
    public override string Host => _httpContext.Request.Host.Value ?? "";
    public override string Peer => FormatPeer(_httpContext.Connection.RemoteIpAddress, _httpContext.Connection.RemotePort);
    public override DateTime Deadline => _deadline == DateTimeOffset.MaxValue ? DateTime.MaxValue : _deadline.UtcDateTime;
    public override IHeaderDictionary RequestHeaders => _httpContext.Request.Headers;
    public override CancellationToken CancellationToken => _cancellation.Token;
    public override IDictionary<string, string> ResponseTrailers => _trailers ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    public override Status Status { get; set; } = Status.DefaultSuccess;
    public override X509Certificate2? ClientCertificate => _httpContext.Connection.ClientCertificate;
    public override IDictionary<object, object?> UserState => _userState ??= new Dictionary<object, object?>();

    public override ClaimsPrincipal User
    {
        get => _httpContext.User;
        set => _httpContext.User = value;
    }

    /// <summary>"Message-Encoding → grpc-encoding Content-Coding" of the request, if any.</summary>
    public string? RequestEncoding => _httpContext.Request.Headers[GrpcProtocol.EncodingHeader].FirstOrDefault();

    /// <summary>True once the client cancelled, the deadline passed or the status was sent.</summary>
    public bool IsCancelledOrCompleted => _completed || _cancellation.IsCancellationRequested;

    public bool DeadlineHasPassed => _deadlineExceeded;

    public override HttpContext GetHttpContext() => _httpContext;

    /// <summary>Lifts Kestrel's request limits, arms the deadline and ties the call's token to the client's abort.</summary>
    public void Initialize()
    {
        // A stream may last hours and carry gigabytes: the gRPC limit is per message (MaxReceiveMessageSize),
        // and a client idle between messages is not a slow attacker. grpc-dotnet lifts both for every call.
        if (_httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody)
        {
            maxBody.MaxRequestBodySize = null;
        }

        if (_httpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        // Answers are protocol messages, not pages: the status-code-pages middleware must leave them alone.
        if (_httpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        _abortRegistration = _httpContext.RequestAborted.UnsafeRegister(static state => ((HttpContextServerCallContext)state!).Cancel(), this);

        var timeoutHeader = _httpContext.Request.Headers[GrpcProtocol.TimeoutHeader].FirstOrDefault();
        if (timeoutHeader is not null)
        {
            if (GrpcProtocol.TryParseTimeout(timeoutHeader, out var timeout))
            {
                var now = _time.GetUtcNow();
                _deadline = timeout >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + timeout;
                if (_deadline != DateTimeOffset.MaxValue)
                {
                    _deadlineTimer = _time.CreateTimer(static state => ((HttpContextServerCallContext)state!).OnDeadlineTimer(), this, Step(timeout), Timeout.InfiniteTimeSpan);
                }
            }
            else
            {
                GrpcLog.InvalidTimeoutIgnored(_logger, timeoutHeader);
            }
        }

        var response = _httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        // PROTOCOL-HTTP2.md, Response-Headers: the encodings this server accepts from the client.
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        GrpcLog.CallStarted(_logger, Method, Deadline);
    }

    private static TimeSpan Step(TimeSpan remaining) =>
        remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining < MaxTimerStep ? remaining : MaxTimerStep;

    private void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the call has ended
        }
    }

    private void OnDeadlineTimer()
    {
        lock (_deadlineSync)
        {
            if (_disposed || _deadlineTask is not null)
            {
                return;
            }

            var remaining = _deadline - _time.GetUtcNow();
            if (remaining > TimeSpan.Zero)
            {
                _deadlineTimer?.Change(Step(remaining), Timeout.InfiniteTimeSpan);
                return;
            }

            _deadlineTask = Task.Run(DeadlineExceededAsync);
        }
    }

    /// <summary>
    /// The deadline has passed: the handler's token fires and DEADLINE_EXCEEDED is sent at once, whether
    /// or not the handler has returned (a client must not wait on a handler that ignores its token).
    /// </summary>
    private async Task DeadlineExceededAsync()
    {
        _deadlineExceeded = true;
        GrpcLog.DeadlineExceeded(_logger, Method);
        Cancel();
        await _writeLock.WaitAsync();
        try
        {
            if (_completed || _httpContext.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            _completed = true;
            WriteStatus(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), null);
            // Ends the stream now (END_STREAM on the status); the handler may still be unwinding.
            await _httpContext.Response.CompleteAsync();
        }
        catch (Exception exception)
        {
            GrpcLog.StatusNotSent(_logger, Method, exception);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes one message and flushes it, so that a streamed ack reaches the client at once.</summary>
    public async Task WriteMessageAsync<T>(T message) where T : IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        await _writeLock.WaitAsync(CancellationToken);
        try
        {
            if (_completed)
            {
                throw new InvalidOperationException("Can't write the message because the call is complete.");
            }

            CancellationToken.ThrowIfCancellationRequested();
            var size = message.CalculateSize();
            MessageFraming.WriteFrame(_httpContext.Response.BodyWriter, size, message, static (span, m) => m.WriteTo(span));
            await _httpContext.Response.BodyWriter.FlushAsync(CancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override async Task WriteResponseHeadersAsync(IReadOnlyDictionary<string, string> responseHeaders)
    {
        await _writeLock.WaitAsync(CancellationToken);
        try
        {
            var response = _httpContext.Response;
            if (_completed || response.HasStarted)
            {
                throw new InvalidOperationException("Response headers can only be sent once per call.");
            }

            foreach (var (name, value) in responseHeaders)
            {
                response.Headers[name] = value;
            }

            await response.StartAsync(CancellationToken);
            await response.BodyWriter.FlushAsync(CancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Ends the call with <paramref name="status"/> unless it has already ended (deadline, client gone).</summary>
    public async Task CompleteAsync(Status status, IReadOnlyDictionary<string, string>? extraTrailers)
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (_httpContext.RequestAborted.IsCancellationRequested)
            {
                GrpcLog.CancelledByClient(_logger, Method);
                return; // the stream is reset: nobody reads a status
            }

            WriteStatus(status, extraTrailers);
            GrpcLog.CallEnded(_logger, Method, status.StatusCode, status.Detail);
        }
        catch (Exception exception)
        {
            GrpcLog.StatusNotSent(_logger, Method, exception);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// "Trailers-Only" when nothing was sent yet (status in the one HEADERS frame), otherwise
    /// "Trailers" after the messages (PROTOCOL-HTTP2.md, "Responses").
    /// </summary>
    private void WriteStatus(Status status, IReadOnlyDictionary<string, string>? extraTrailers)
    {
        var response = _httpContext.Response;
        var trailersOnly = !response.HasStarted;
        void Add(string name, string value)
        {
            if (trailersOnly)
            {
                response.Headers[name] = value;
            }
            else
            {
                response.AppendTrailer(name, value);
            }
        }

        if (trailersOnly)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = GrpcProtocol.ContentType;
        }

        Add(GrpcProtocol.StatusTrailer, ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            Add(GrpcProtocol.MessageTrailer, GrpcProtocol.PercentEncode(status.Detail));
        }

        foreach (var (name, value) in (IEnumerable<KeyValuePair<string, string>>?)_trailers ?? [])
        {
            Add(name, value);
        }

        foreach (var (name, value) in extraTrailers ?? new Dictionary<string, string>())
        {
            Add(name, value);
        }
    }

    /// <summary>grpc-dotnet's peer format: <c>ipv4:a.b.c.d:port</c>, <c>ipv6:[addr]:port</c>, <c>unknown</c>.</summary>
    internal static string FormatPeer(IPAddress? address, int port) => address switch
    {
        null => "unknown",
        { AddressFamily: AddressFamily.InterNetwork } => $"ipv4:{address}:{port}",
        { AddressFamily: AddressFamily.InterNetworkV6 } when address.IsIPv4MappedToIPv6 => $"ipv4:{address.MapToIPv4()}:{port}",
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"ipv6:[{address}]:{port}",
        _ => $"unknown:{address}:{port}",
    };

    public async ValueTask DisposeAsync()
    {
        Task? deadlineTask;
        lock (_deadlineSync)
        {
            _disposed = true;
            deadlineTask = _deadlineTask;
        }

        if (_deadlineTimer is not null)
        {
            await _deadlineTimer.DisposeAsync();
        }

        if (deadlineTask is not null)
        {
            await deadlineTask; // it may still be writing the status: the HttpContext must outlive it
        }

        await _abortRegistration.DisposeAsync();
        _cancellation.Dispose();
    }
}
