using System.Buffers;
using System.IO.Compression;

namespace CpxTeleservice.Grpc;

/// <summary>One Length-Prefixed-Message found at the start of a buffer.</summary>
internal readonly record struct Frame(bool Compressed, ReadOnlySequence<byte> Payload, SequencePosition End);

/// <summary>
/// Length-Prefixed-Message → Compressed-Flag Message-Length Message (PROTOCOL-HTTP2.md, "Requests").
/// Frames are parsed from the buffer as it is, before the reader is advanced, so a message split
/// across any number of reads is assembled without copying.
/// </summary>
internal static class MessageFraming
{
    /// <summary>
    /// True when a whole frame starts <paramref name="buffer"/>. The declared length is checked
    /// against <paramref name="maxReceiveMessageSize"/> as soon as the 5-byte prefix is there, before
    /// the message is waited for, so an oversize message is never buffered.
    /// </summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED for a declared length over the limit; INTERNAL for a bad flag.</exception>
    public static bool TryReadFrame(in ReadOnlySequence<byte> buffer, int maxReceiveMessageSize, out Frame frame)
    {
        frame = default;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return false;
        }

        var (flag, length) = GrpcProtocol.ReadHeader(buffer);
        if (flag > 1)
        {
            // "Compressed-Flag → 0 / 1": other values are reserved.
            throw new RpcException(StatusCode.Internal, "Invalid compressed flag in message prefix.");
        }

        if (length > (uint)maxReceiveMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.");
        }

        if (buffer.Length < GrpcProtocol.HeaderSize + length)
        {
            return false;
        }

        var payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        frame = new Frame(flag == 1, payload, payload.End);
        return true;
    }

    /// <summary>
    /// The message bytes of <paramref name="frame"/>, decompressed when flagged. "A Compressed-Flag
    /// value of 1 indicates that the binary octet sequence of Message is compressed using the
    /// mechanism declared by the Message-Encoding header": without one (or with "identity") it is an
    /// error (INTERNAL, as grpc-dotnet answers); with an encoding we do not support, UNIMPLEMENTED
    /// (PROTOCOL-HTTP2.md, "Compression"; the caller adds grpc-accept-encoding).
    /// </summary>
    public static ReadOnlySequence<byte> Decode(in Frame frame, string? encoding, int maxReceiveMessageSize)
    {
        if (!frame.Compressed)
        {
            return frame.Payload;
        }

        if (encoding is null or "" or "identity")
        {
            throw new RpcException(StatusCode.Internal, "Request did not include grpc-encoding value with compressed message.");
        }

        if (!string.Equals(encoding, "gzip", StringComparison.Ordinal))
        {
            throw new RpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcProtocol.SupportedEncodings}");
        }

        return new ReadOnlySequence<byte>(Gunzip(frame.Payload, maxReceiveMessageSize));
    }

    /// <summary>Decompresses with a cap: the receive limit applies to the decompressed message, so a small bomb is refused.</summary>
    private static byte[] Gunzip(in ReadOnlySequence<byte> compressed, int maxSize)
    {
        using var input = new MemoryStream(compressed.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (output.Length + read > maxSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.");
                }

                output.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            throw new RpcException(StatusCode.Internal, "Failed to decompress message.");
        }

        return output.ToArray();
    }

    /// <summary>Writes one uncompressed frame of <paramref name="size"/> bytes, filled by <paramref name="write"/>, to <paramref name="writer"/>.</summary>
    public static void WriteFrame<TState>(IBufferWriter<byte> writer, int size, TState state, SpanAction<byte, TState> write)
    {
        var span = writer.GetSpan(GrpcProtocol.HeaderSize + size);
        GrpcProtocol.WriteHeader(span, size);
        write(span.Slice(GrpcProtocol.HeaderSize, size), state);
        writer.Advance(GrpcProtocol.HeaderSize + size);
    }
}
