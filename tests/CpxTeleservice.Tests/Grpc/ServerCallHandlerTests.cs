using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>
/// The call handling of the layer over real HTTP/2 (Kestrel, HttpClient): routing, protocol checks,
/// framing from the pipe, statuses in trailers or trailers-only, deadlines, cancellation, errors.
/// </summary>
public class ServerCallHandlerTests(GrpcTestServer server) : IClassFixture<GrpcTestServer>
{
    /// <summary>A guard against a hang, never an assertion on time: a correct run never waits this long.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private async Task<GrpcResponse> CallAsync(HttpRequestMessage request, bool http1 = false)
    {
        using var client = server.CreateClient(http1);
        using var response = await client.SendAsync(request);
        return await GrpcResponse.ReadAsync(response);
    }

    [Fact]
    public async Task Unary_call_answers_its_message_then_OK_in_trailers()
    {
        var response = await CallAsync(GrpcTestServer.Request("Echo", GrpcTestServer.Frames("bonjour")));
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("bonjour", Assert.Single(response.Messages).Value);
        Assert.False(response.TrailersOnly);
        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Content_type_with_proto_suffix_is_accepted()
    {
        var response = await CallAsync(GrpcTestServer.Request("Echo", GrpcTestServer.Frames("x"), "application/grpc+proto"));
        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("x", Assert.Single(response.Messages).Value);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/grpc-web")]
    public async Task Other_content_type_is_415(string contentType)
    {
        var response = await CallAsync(GrpcTestServer.Request("Echo", GrpcTestServer.Frames("x"), contentType));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
        Assert.Equal("13", response.GrpcStatus);
        Assert.Empty(response.Messages); // no problem page written over it
    }

    [Fact]
    public async Task HTTP1_is_426()
    {
        var response = await CallAsync(GrpcTestServer.Request("Echo", GrpcTestServer.Frames("x")), http1: true);
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.HttpStatus);
    }

    [Fact]
    public async Task HTTP1_to_an_unknown_method_is_426_too()
    {
        var response = await CallAsync(GrpcTestServer.Request("Nope", GrpcTestServer.Frames("x")), http1: true);
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.HttpStatus);
    }

    [Theory]
    [InlineData("/test.v1.Echo/NoSuchMethod", "Method is unimplemented.")]
    [InlineData("/no.such.Service/Echo", "Service is unimplemented.")]
    public async Task Unknown_method_or_service_is_HTTP_200_with_UNIMPLEMENTED_trailers_only(string path, string message)
    {
        var request = GrpcTestServer.Request("x", GrpcTestServer.Frames("x"));
        request.RequestUri = new Uri(path, UriKind.Relative);
        var response = await CallAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.True(response.TrailersOnly);
        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal(message, response.GrpcMessage);
    }

    [Fact]
    public async Task Unknown_path_without_gRPC_content_type_is_an_ordinary_404()
    {
        var request = GrpcTestServer.Request("x", GrpcTestServer.Frames("x"), "application/json");
        request.RequestUri = new Uri("/no.such.Service/Echo", UriKind.Relative);
        var response = await CallAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.HttpStatus);
        Assert.Null(response.GrpcStatus);
    }

    [Fact]
    public async Task Request_body_size_limit_of_Kestrel_is_lifted_for_gRPC_calls()
    {
        var response = await CallAsync(GrpcTestServer.Request("Limits", GrpcTestServer.Frames("")));
        Assert.True(response.GrpcStatus == "0", response.GrpcStatus + " " + response.GrpcMessage);
        Assert.Equal("maxBody=none", Assert.Single(response.Messages).Value);
    }

    [Fact]
    public async Task Handler_exception_is_UNKNOWN_with_a_generic_message()
    {
        var response = await CallAsync(GrpcTestServer.Request("Fail", GrpcTestServer.Frames("x")));
        Assert.True(response.TrailersOnly);
        Assert.Equal("2", response.GrpcStatus);
        Assert.Equal("Exception was thrown by handler.", response.GrpcMessage);
        Assert.DoesNotContain("hunter2", response.Headers.ToString());
    }

    [Fact]
    public async Task RpcException_sends_its_status_percent_encoded_and_its_trailers()
    {
        var response = await CallAsync(GrpcTestServer.Request("Refuse", GrpcTestServer.Frames("échec à 100%")));
        Assert.True(response.TrailersOnly);
        Assert.Equal("9", response.GrpcStatus);
        Assert.Equal("%C3%A9chec %C3%A0 100%25", response.GrpcMessage);
        Assert.Equal("chosen", response.Headers.GetValues("x-reason").Single());
    }

    [Fact]
    public async Task Status_set_by_the_handler_goes_in_trailers_after_the_message()
    {
        var response = await CallAsync(GrpcTestServer.Request("SetStatus", GrpcTestServer.Frames("x")));
        Assert.False(response.TrailersOnly);
        Assert.Equal("reply", Assert.Single(response.Messages).Value);
        Assert.Equal("6", response.GrpcStatus);
        Assert.Equal("set by the handler", response.GrpcMessage);
        Assert.Equal("trailer", response.Trailers.GetValues("x-extra").Single());
    }

    [Fact]
    public async Task Error_after_messages_is_sent_in_trailers()
    {
        var response = await CallAsync(GrpcTestServer.Request("Chat", GrpcTestServer.Frames("a", "b", "fail", "c")));
        Assert.False(response.TrailersOnly);
        Assert.Equal(["a", "b"], response.Messages.Select(m => m.Value));
        Assert.Equal("10", response.GrpcStatus);
        Assert.Equal("stopped at fail", response.GrpcMessage);
    }

    [Fact]
    public async Task Client_streaming_reads_every_message_to_the_half_close()
    {
        var response = await CallAsync(GrpcTestServer.Request("Concat", GrpcTestServer.Frames("a", "", "c")));
        Assert.Equal("a,,c", Assert.Single(response.Messages).Value);
        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Server_streaming_writes_each_message()
    {
        var response = await CallAsync(GrpcTestServer.Request("Repeat", GrpcTestServer.Frames("x,y,z")));
        Assert.Equal(["x", "y", "z"], response.Messages.Select(m => m.Value));
        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Bidi_stream_answers_each_message_before_the_client_half_closes()
    {
        var content = new OpenContent(GrpcTestServer.Frames("first"));
        using var client = server.CreateClient();
        using var response = await client.SendAsync(GrpcTestServer.Request("Chat", content), HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var prefix = new byte[5];
        await body.ReadExactlyAsync(prefix);
        var payload = new byte[prefix[4]];
        await body.ReadExactlyAsync(payload);
        Assert.Equal("first", StringValue.Parser.ParseFrom(payload).Value);
        content.End();
        Assert.Equal(0, await body.ReadAsync(new byte[1]));
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task Unary_without_a_message_is_INTERNAL()
    {
        var response = await CallAsync(GrpcTestServer.Request("Echo", Array.Empty<byte>()));
        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Unary_with_two_messages_is_INTERNAL()
    {
        var response = await CallAsync(GrpcTestServer.Request("Echo", GrpcTestServer.Frames("a", "b")));
        Assert.Equal("13", response.GrpcStatus);
        Assert.Equal("Additional data after the message received.", response.GrpcMessage);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(9)]
    public async Task Stream_ending_inside_a_frame_is_INTERNAL(int sent)
    {
        var frames = GrpcTestServer.Frames("complete", "truncated");
        var cut = GrpcTestServer.Frames("complete").Length + sent;
        var response = await CallAsync(GrpcTestServer.Request("Concat", frames[..cut]));
        Assert.Equal("13", response.GrpcStatus);
        Assert.Equal("Incomplete message.", response.GrpcMessage);
    }

    [Fact]
    public async Task Message_over_the_receive_limit_is_RESOURCE_EXHAUSTED()
    {
        var big = new string('x', GrpcTestServer.MaxReceiveMessageSize);
        var response = await CallAsync(GrpcTestServer.Request("Echo", GrpcTestServer.Frames(big)));
        Assert.Equal("8", response.GrpcStatus);
    }

    [Fact]
    public async Task Oversize_declared_length_is_refused_before_the_message_is_sent()
    {
        // Only the prefix announcing 1 GiB is sent and the stream stays open: the answer cannot wait for the body.
        var content = new OpenContent(GrpcTestServer.Frame([], declaredLength: 1u << 30));
        using var client = server.CreateClient();
        try
        {
            using var response = await client.SendAsync(GrpcTestServer.Request("Chat", content), HttpCompletionOption.ResponseHeadersRead).WaitAsync(HangGuard);
            Assert.Equal("8", response.Headers.GetValues("grpc-status").Single());
        }
        finally
        {
            content.End();
        }
    }

    [Fact]
    public async Task Compressed_flag_without_grpc_encoding_is_INTERNAL()
    {
        var response = await CallAsync(GrpcTestServer.Request("Echo", GrpcTestServer.Frame(new StringValue { Value = "x" }, flag: 1)));
        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Gzip_compressed_request_is_decompressed()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new StringValue { Value = "compressé" }.ToByteArray());
        }

        var request = GrpcTestServer.Request("Echo", GrpcTestServer.Frame(compressed.ToArray(), flag: 1));
        request.Headers.Add("grpc-encoding", "gzip");
        var response = await CallAsync(request);
        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("compressé", Assert.Single(response.Messages).Value);
    }

    [Fact]
    public async Task Compressed_request_in_an_unsupported_encoding_is_UNIMPLEMENTED()
    {
        var request = GrpcTestServer.Request("Echo", GrpcTestServer.Frame([1, 2, 3], flag: 1));
        request.Headers.Add("grpc-encoding", "snappy");
        var response = await CallAsync(request);
        Assert.Equal("12", response.GrpcStatus);
        Assert.Contains("identity,gzip", response.GrpcMessage);
        // PROTOCOL-HTTP2.md: the server says which encodings it accepts.
        Assert.Equal("identity,gzip", Assert.Single(response.Headers.GetValues("grpc-accept-encoding")));
    }

    [Fact]
    public async Task Deadline_cancels_the_handler_token_and_sends_DEADLINE_EXCEEDED()
    {
        var probe = server.NewProbe(out var id);
        var content = new OpenContent([]);
        var request = GrpcTestServer.Request("Wait", content);
        request.Headers.Add("x-probe", id);
        request.Headers.Add("grpc-timeout", "200m");
        using var client = server.CreateClient();
        try
        {
            // The client sets no deadline of its own: the answer can only come from the server's.
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(HangGuard);
            var read = await GrpcResponse.ReadAsync(response);
            Assert.Equal("4", read.GrpcStatus);
            await probe.Cancelled.Task.WaitAsync(HangGuard);
        }
        finally
        {
            content.End();
        }
    }

    [Fact]
    public async Task Deadline_status_is_sent_even_while_the_handler_ignores_its_token()
    {
        var probe = server.NewProbe(out var id);
        var content = new OpenContent([]);
        var request = GrpcTestServer.Request("Stubborn", content);
        request.Headers.Add("x-probe", id);
        request.Headers.Add("grpc-timeout", "100m");
        using var client = server.CreateClient();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(HangGuard);
            var read = await GrpcResponse.ReadAsync(response);
            Assert.Equal("4", read.GrpcStatus);
            Assert.Empty(read.Messages);
            Assert.False(probe.Release.Task.IsCompleted); // the handler is still running
            await probe.Cancelled.Task.WaitAsync(HangGuard);
        }
        finally
        {
            probe.Release.TrySetResult(); // its late write is refused, not sent
            content.End();
        }
    }

    [Theory]
    [InlineData("1S")]
    [InlineData("5M")]
    [InlineData("1H")]
    public async Task Deadline_is_exposed_to_the_handler(string timeout)
    {
        var request = GrpcTestServer.Request("Deadline", GrpcTestServer.Frames(""));
        request.Headers.Add("grpc-timeout", timeout);
        var before = DateTime.UtcNow;
        var response = await CallAsync(request);
        Assert.True(GrpcProtocolTimeout(timeout, out var span));
        var deadline = DateTime.Parse(Assert.Single(response.Messages).Value, null, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.InRange(deadline, before + span, DateTime.UtcNow + span);
    }

    private static bool GrpcProtocolTimeout(string value, out TimeSpan span) => CpxTeleservice.Grpc.GrpcProtocol.TryParseTimeout(value, out span);

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    public async Task Invalid_timeout_is_ignored_as_grpc_dotnet_does(string timeout)
    {
        var request = GrpcTestServer.Request("Deadline", GrpcTestServer.Frames(""));
        request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        var response = await CallAsync(request);
        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal("none", Assert.Single(response.Messages).Value);
    }

    [Fact]
    public async Task Client_cancellation_cancels_the_handler_token()
    {
        var probe = server.NewProbe(out var id);
        var content = new OpenContent([]);
        var request = GrpcTestServer.Request("Wait", content);
        request.Headers.Add("x-probe", id);
        using var client = server.CreateClient();
        using var cancel = new CancellationTokenSource();
        var call = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        await probe.Started.Task.WaitAsync(HangGuard);
        cancel.Cancel(); // HttpClient resets the stream (RST_STREAM CANCEL)
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await probe.Cancelled.Task.WaitAsync(HangGuard);
        content.End();
    }

    [Fact]
    public async Task Peer_and_method_are_those_of_the_call()
    {
        var response = await CallAsync(GrpcTestServer.Request("Peer", GrpcTestServer.Frames("")));
        Assert.Matches(@"^ipv4:127\.0\.0\.1:\d+ /test\.v1\.Echo/Peer$", Assert.Single(response.Messages).Value);
    }
}
