namespace CpxTeleservice.Grpc;

/// <summary>
/// The gRPC status codes (grpc doc/statuscodes.md), with the names and values of Grpc.Core's
/// <c>StatusCode</c> so that handlers move to Grpc.AspNetCore unchanged.
/// </summary>
public enum StatusCode
{
    OK = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

/// <summary>A status code and its human-readable message, sent as <c>grpc-status</c> and <c>grpc-message</c>.</summary>
public readonly record struct Status(StatusCode StatusCode, string Detail)
{
    public static readonly Status DefaultSuccess = new(StatusCode.OK, "");
    public static readonly Status DefaultCancelled = new(StatusCode.Cancelled, "");
}

/// <summary>
/// Thrown by a handler to end its call with a status of its choosing (and optional trailers);
/// any other exception ends the call with UNKNOWN and a generic message.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status, IReadOnlyDictionary<string, string>? trailers = null)
        : base($"Status(StatusCode=\"{status.StatusCode}\", Detail=\"{status.Detail}\")")
    {
        Status = status;
        Trailers = trailers ?? new Dictionary<string, string>();
    }

    public RpcException(StatusCode code, string detail) : this(new Status(code, detail))
    {
    }

    public Status Status { get; }
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>Extra trailers (ASCII metadata) sent with the status.</summary>
    public IReadOnlyDictionary<string, string> Trailers { get; }
}
