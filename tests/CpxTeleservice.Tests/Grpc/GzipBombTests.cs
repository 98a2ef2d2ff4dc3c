using System.Buffers.Binary;
using System.IO.Compression;
using System.Net.Http.Headers;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>Tests that measure the process's allocations: they run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;

/// <summary>
/// A gzip bomb at the gRPC framing level, sent over the real TLS port: one small compressed frame that
/// inflates to 48 MB. The receive limit applies to the inflated message, and inflating stops at it:
/// what the process allocates while refusing the frame stays far below what the frame inflates to.
/// </summary>
[Collection(nameof(MeasuredAlone))]
public class GzipBombTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Compressed_frame_inflating_past_the_limit_is_RESOURCE_EXHAUSTED_before_it_is_inflated(string encoding)
    {
        const int inflatedSize = 48 * 1024 * 1024;
        var compressed = new MemoryStream();
        using (Stream gzip = encoding == "gzip"
                   ? new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)
                   : new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var written = 0; written < inflatedSize; written += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }

        Assert.True(compressed.Length < IntakeHost.MaxReceiveMessageSize, $"the frame ({compressed.Length} bytes) must pass the limit on its compressed size");
        var frame = new byte[5 + compressed.Length];
        frame[0] = 1; // compressed, with the call's grpc-encoding
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)compressed.Length);
        compressed.ToArray().CopyTo(frame, 5);
        using var client = host.CreateClient(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName));
        // Warm up the connection and the call path, so that what is measured is the bomb.
        await SendAsync(client, [0, 0, 0, 0, 0], encoding);
        GC.Collect();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var status = await SendAsync(client, frame, encoding);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.StartsWith("8 ", status); // RESOURCE_EXHAUSTED
        Assert.True(allocated < inflatedSize / 4, $"{allocated / 1024 / 1024} MB were allocated while refusing the frame");
    }

    private static async Task<string?> SendAsync(HttpClient client, byte[] body, string encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cpx.intake.v1.OrdreIntake/StreamRegistrations") { Content = new ByteArrayContent(body), Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.Add("grpc-encoding", encoding);
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var headers = response.TrailingHeaders.Contains("grpc-status") ? (HttpHeaders)response.TrailingHeaders : response.Headers;
        var status = headers.TryGetValues("grpc-status", out var values) ? values.Single() : null;
        var message = headers.TryGetValues("grpc-message", out var messages) ? Uri.UnescapeDataString(messages.Single()) : "";
        return message.Length == 0 ? status : $"{status} {message}";
    }
}
