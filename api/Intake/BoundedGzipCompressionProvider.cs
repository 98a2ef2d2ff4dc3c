using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace CpxTeleservice.Intake;

/// <summary>
/// gzip (grpc-encoding <c>gzip</c>) whose decompression stops as soon as the inflated message passes
/// the receive limit, with RESOURCE_EXHAUSTED: a few kilobytes of compressed zeros never become
/// hundreds of megabytes in memory. The package checks the limit on the compressed frame only.
/// </summary>
public sealed class BoundedGzipCompressionProvider(int maxMessageSize) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) =>
        new BoundedReadStream(new GZipStream(stream, CompressionMode.Decompress), maxMessageSize);

    /// <summary>Reads at most <c>limit</c> bytes of the inner stream; one more is RESOURCE_EXHAUSTED.</summary>
    private sealed class BoundedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            // Ask for no more than one byte past the limit: that byte, if it comes, is the refusal.
            var allowed = (int)Math.Min(buffer.Length, limit - _read + 1);
            var read = inner.Read(buffer[..allowed]);
            return Count(read);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var allowed = (int)Math.Min(buffer.Length, limit - _read + 1);
            var read = await inner.ReadAsync(buffer[..allowed], cancellationToken);
            return Count(read);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"Received message exceeds the maximum configured message size ({limit} bytes once decompressed)."));
            }

            return read;
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
