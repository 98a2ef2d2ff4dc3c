namespace CpxTeleservice.Intake;

/// <summary>The gRPC server's settings, section <c>Grpc</c>.</summary>
public sealed class GrpcOptions
{
    public const string Section = "Grpc";

    /// <summary>gRPC's default receive limit, 4 MiB.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The largest message a client may send, in bytes, after decompression; larger is RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    public IEnumerable<string> Errors()
    {
        if (MaxReceiveMessageSize is < 1024 or > 64 * 1024 * 1024)
        {
            yield return "Grpc__MaxReceiveMessageSize must be between 1024 and 67108864 bytes.";
        }
    }
}
