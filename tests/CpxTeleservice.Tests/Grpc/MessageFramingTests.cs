using System.Buffers;
using System.IO.Compression;
using CpxTeleservice.Grpc;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>Length-Prefixed-Message parsing: splits, limits, flags, compression.</summary>
public class MessageFramingTests
{
    private static byte[] Frame(byte flag, byte[] payload, uint? declared = null)
    {
        var bytes = new byte[5 + payload.Length];
        bytes[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), declared ?? (uint)payload.Length);
        payload.CopyTo(bytes, 5);
        return bytes;
    }

    /// <summary>A sequence of one segment per chunk, as a pipe hands over data that arrived in pieces.</summary>
    private static ReadOnlySequence<byte> Segments(byte[] bytes, params int[] cuts)
    {
        var chunks = new List<byte[]>();
        var start = 0;
        foreach (var cut in cuts.Append(bytes.Length))
        {
            chunks.Add(bytes[start..cut]);
            start = cut;
        }

        var first = new Segment(chunks[0], 0);
        var last = first;
        foreach (var chunk in chunks.Skip(1))
        {
            last = last.Append(chunk);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    public static TheoryData<int[]> Cuts => new()
    {
        Array.Empty<int>(),
        new[] { 1 },
        new[] { 4 },
        new[] { 5 },
        new[] { 6 },
        new[] { 1, 2, 3, 4, 5, 6, 7, 8 },
        new[] { 3, 9 },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public void Message_split_across_buffers_is_read_whole(int[] cuts)
    {
        var payload = "0123456789"u8.ToArray();
        var buffer = Segments(Frame(0, payload).Concat(Frame(0, [42])).ToArray(), cuts);

        Assert.True(MessageFraming.TryReadFrame(buffer, 1024, out var frame));
        Assert.False(frame.Compressed);
        Assert.Equal(payload, frame.Payload.ToArray());
        Assert.Equal(15, buffer.GetOffset(frame.End));

        var rest = buffer.Slice(frame.End);
        Assert.True(MessageFraming.TryReadFrame(rest, 1024, out var second));
        Assert.Equal(new byte[] { 42 }, second.Payload.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(14)]
    public void Incomplete_frame_asks_for_more_data(int available)
    {
        var bytes = Frame(0, "0123456789"u8.ToArray());
        Assert.False(MessageFraming.TryReadFrame(new ReadOnlySequence<byte>(bytes, 0, available), 1024, out _));
    }

    [Fact]
    public void Empty_message_is_a_frame()
    {
        Assert.True(MessageFraming.TryReadFrame(new ReadOnlySequence<byte>(Frame(0, [])), 1024, out var frame));
        Assert.True(frame.Payload.IsEmpty);
    }

    [Theory]
    [InlineData(1025u)]
    [InlineData(uint.MaxValue)]
    [InlineData(0x8000_0000u)] // would be negative as an int
    public void Declared_length_over_the_limit_is_refused_from_the_prefix_alone(uint declared)
    {
        // Only the 5-byte prefix is there: the message is refused before any of it is buffered.
        var prefix = Frame(0, [], declared);
        var exception = Assert.Throws<RpcException>(() => MessageFraming.TryReadFrame(new ReadOnlySequence<byte>(prefix), 1024, out _));
        Assert.Equal(StatusCode.ResourceExhausted, exception.StatusCode);
    }

    [Fact]
    public void Declared_length_at_the_limit_is_accepted()
    {
        Assert.True(MessageFraming.TryReadFrame(new ReadOnlySequence<byte>(Frame(0, new byte[1024])), 1024, out _));
    }

    [Theory]
    [InlineData((byte)2)]
    [InlineData((byte)0x80)]
    [InlineData((byte)0xFF)]
    public void Reserved_flag_values_are_internal_errors(byte flag)
    {
        var exception = Assert.Throws<RpcException>(() => MessageFraming.TryReadFrame(new ReadOnlySequence<byte>(Frame(flag, [1])), 1024, out _));
        Assert.Equal(StatusCode.Internal, exception.StatusCode);
    }

    private static Frame Read(byte[] bytes)
    {
        Assert.True(MessageFraming.TryReadFrame(new ReadOnlySequence<byte>(bytes), 1 << 20, out var frame));
        return frame;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("identity")]
    public void Compressed_flag_without_a_negotiated_encoding_is_internal(string? encoding)
    {
        var exception = Assert.Throws<RpcException>(() => MessageFraming.Decode(Read(Frame(1, Gzip([1, 2, 3]))), encoding, 1024));
        Assert.Equal(StatusCode.Internal, exception.StatusCode);
    }

    [Theory]
    [InlineData("deflate")]
    [InlineData("snappy")]
    [InlineData("GZIP")]
    public void Compressed_message_in_an_unsupported_encoding_is_unimplemented(string encoding)
    {
        var exception = Assert.Throws<RpcException>(() => MessageFraming.Decode(Read(Frame(1, Gzip([1, 2, 3]))), encoding, 1024));
        Assert.Equal(StatusCode.Unimplemented, exception.StatusCode);
        Assert.Contains("identity,gzip", exception.Status.Detail);
    }

    [Fact]
    public void Gzip_message_is_decompressed()
    {
        var payload = Enumerable.Range(0, 500).Select(i => (byte)i).ToArray();
        Assert.Equal(payload, MessageFraming.Decode(Read(Frame(1, Gzip(payload))), "gzip", 1024).ToArray());
    }

    [Fact]
    public void Uncompressed_message_is_read_as_is_whatever_the_encoding_header()
    {
        // grpc-encoding names how *flagged* messages are compressed; flag 0 means not compressed.
        Assert.Equal(new byte[] { 7 }, MessageFraming.Decode(Read(Frame(0, [7])), "gzip", 1024).ToArray());
    }

    [Fact]
    public void Gzip_message_over_the_limit_once_decompressed_is_resource_exhausted()
    {
        var bomb = Gzip(new byte[1_000_000]); // about 1 KB compressed
        var exception = Assert.Throws<RpcException>(() => MessageFraming.Decode(Read(Frame(1, bomb)), "gzip", 64 * 1024));
        Assert.Equal(StatusCode.ResourceExhausted, exception.StatusCode);
    }

    [Fact]
    public void Corrupt_gzip_is_internal()
    {
        var exception = Assert.Throws<RpcException>(() => MessageFraming.Decode(Read(Frame(1, [1, 2, 3, 4, 5, 6])), "gzip", 1024));
        Assert.Equal(StatusCode.Internal, exception.StatusCode);
    }

    [Fact]
    public void Written_frame_has_the_prefix_and_the_message()
    {
        var writer = new ArrayBufferWriter<byte>();
        MessageFraming.WriteFrame(writer, 3, (byte)9, static (span, b) => span.Fill(b));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 3, 9, 9, 9 }, writer.WrittenSpan.ToArray());
    }
}
