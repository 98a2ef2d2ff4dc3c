using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using CpxTeleservice.Intake;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.Logging;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>
/// A stranger's garbage does not grow the log (README, "Limits"): grpc.health.v1 is anonymous, and Grpc.AspNetCore
/// reads a unary or server-streaming request before any interceptor runs, so an unreadable one is answered by
/// the package itself. Whatever the settings ask of its call handler's category, no such call writes a line
/// above Debug; the call still gets a gRPC status, and the service still serves.
/// </summary>
public class GarbageLogTests(AllLevelsLogHost host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<AllLevelsLogHost>
{
    private const int Calls = 20;

    /// <summary>Payloads that are not a HealthCheckRequest: a wire type 7, a string declaring 2 GB, an 11-byte varint, unterminated groups.</summary>
    private static readonly byte[][] Garbage =
    [
        [0x0F, 0x00],
        [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x41],
        [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
        [0x0B, 0x0B, 0x0B, 0x0C],
    ];

    /// <summary>One raw gRPC call: a 5-byte frame header (not compressed, the payload's length), then the payload.</summary>
    private async Task<string?> SendAsync(HttpClient client, string path, byte[] payload, string? timeout = null)
    {
        var body = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(body.AsSpan(5));
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        if (timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single()
            : null;
    }

    private List<(string Category, LogLevel Level, EventId Event, string Message, Exception? Exception)> LoggedSince(int mark) =>
        host.Log.Skip(mark).ToList();

    [Theory]
    [InlineData("/grpc.health.v1.Health/Check")]
    [InlineData("/grpc.health.v1.Health/Watch")]
    public async Task Garbage_sent_to_grpc_health_many_times_is_a_gRPC_error_status_and_logs_nothing_above_Debug(string path)
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        var mark = host.Log.Count;

        var statuses = new List<string?>();
        for (var i = 0; i < Calls; i++)
        {
            statuses.Add(await SendAsync(client, path, Garbage[i % Garbage.Length], timeout: "2S"));
        }

        await Task.Delay(200);
        var logged = LoggedSince(mark);
        foreach (var entry in logged.Where(e => e.Level > LogLevel.Debug))
        {
            output.WriteLine($"{entry.Level} {entry.Category} {entry.Event}: {entry.Message} {entry.Exception?.GetType().Name}");
        }

        Assert.All(statuses, s => Assert.Equal(((int)StatusCode.Unknown).ToString(), s));
        Assert.DoesNotContain(logged, e => e.Level > LogLevel.Debug);
    }

    [Fact]
    public async Task Garbage_sent_to_an_intake_stream_is_INTERNAL_and_logs_nothing_above_Debug()
    {
        using var client = host.CreateClient(GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName));
        var mark = host.Log.Count;

        for (var i = 0; i < Calls; i++)
        {
            Assert.Equal(((int)StatusCode.Internal).ToString(), await SendAsync(client, "/cpx.intake.v1.OrdreIntake/StreamRegistrations", Garbage[i % Garbage.Length]));
        }

        await Task.Delay(200);
        var logged = LoggedSince(mark);
        Assert.DoesNotContain(logged, e => e.Level > LogLevel.Debug);
        Assert.Contains(logged, e => e.Category == typeof(HandlerFailureInterceptor).FullName && e.Level == LogLevel.Debug);
    }

    [Fact]
    public async Task After_garbage_a_well_formed_Check_still_answers_SERVING()
    {
        using var client = host.CreateClient((System.Security.Cryptography.X509Certificates.X509Certificate2?)null);
        await SendAsync(client, "/grpc.health.v1.Health/Check", Garbage[0]);

        using var channel = host.Channel(null);
        var response = await new global::Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
