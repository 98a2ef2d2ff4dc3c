namespace CpxTeleservice.Grpc;

/// <summary>The layer's settings, section <c>Grpc</c> (e.g. <c>Grpc__MaxReceiveMessageSize</c>).</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The largest message a client may send, in bytes (after decompression); larger is RESOURCE_EXHAUSTED. Default 4 MiB, as gRPC's.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;
}
