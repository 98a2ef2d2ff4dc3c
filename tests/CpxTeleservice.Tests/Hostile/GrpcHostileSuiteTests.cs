using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using CpxTeleservice.Intake.V1;
using CpxTeleservice.Tests.Grpc;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Google.Protobuf;
using Grpc.Health.V1;

namespace CpxTeleservice.Tests.Hostile;

/// <summary>The intake host, with the per-address rate limit lifted so that every generated case reaches the gRPC layer.</summary>
public sealed class UnthrottledIntakeHost : IntakeHost
{
    public UnthrottledIntakeHost() => With("Limits:RequestsPerSecondPerAddress", "1000000");
}

/// <summary>
/// The gRPC half of the hostile suite: generated raw HTTP/2 requests (seeded, bounded) against the intake
/// services and grpc.health.v1 over the real TLS port, with hand-built bodies a well-behaved client never
/// sends: truncated frames, declared lengths over the receive limit, garbage protobuf, the compressed flag
/// without grpc-encoding, unknown encodings, wrong content types, streams reset mid-message, huge metadata.
/// No answer is a 5xx, every answer to a gRPC request is a gRPC status within a bounded time, no handler
/// fails (UNKNOWN), the intake ledger is unchanged, and the service still serves at the end.
/// </summary>
public class GrpcHostileSuiteTests(UnthrottledIntakeHost host, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<UnthrottledIntakeHost>
{
    public const int Cases = 1200;
    private const int Seed = 20261130;
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(15);

    private enum Caller { Ordre, Ars, None }

    private enum Ending { Complete, Reset, OwnConnection }

    private sealed record Case(int Index, string Path, Caller Caller, string? ContentType, string? Encoding, string? Timeout,
        IReadOnlyList<KeyValuePair<string, string>> Metadata, byte[] Body, Ending Ending, string Description)
    {
        public bool IsGrpc => ContentType is not null && ContentType.StartsWith("application/grpc", StringComparison.Ordinal)
            && !ContentType.StartsWith("application/grpc+json", StringComparison.Ordinal);

        public override string ToString() => $"#{Index} {Path} as {Caller} [{ContentType}] enc={Encoding} timeout={Timeout} meta={Metadata.Sum(m => m.Key.Length + m.Value.Length)}B body={Body.Length}B {Ending}: {Description}";
    }

    private static readonly string[] Paths =
    [
        "/cpx.intake.v1.OrdreIntake/StreamRegistrations",
        "/cpx.intake.v1.ArsIntake/StreamAdeliRegistrations",
        "/cpx.intake.v1.ArsIntake/StreamVisaDecisions",
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
    ];

    private static readonly string[] OddPaths =
    [
        "/cpx.intake.v1.OrdreIntake/Nothing", "/cpx.intake.v1.Nothing/StreamRegistrations", "/grpc.health.v1.Health/", "/%00/%00",
        "/cpx.intake.v1.OrdreIntake/StreamRegistrations/extra", "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ];

    private static readonly string[] GarbageStrings =
    [
        "", "\0", "\u001b[31m", "\ud800", "' OR 1=1 --", "../../etc/passwd", new string('A', 5000), "10000000000", "X", "2A", "99",
        "\u202e", "😀", "0000000000000000000000000000000000000000",
    ];

    /// <summary>A frame: flag, 4-byte big-endian declared length, then the payload as given (possibly not that long).</summary>
    private static byte[] Frame(byte flag, uint declared, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declared);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    private static byte[] Frame(ReadOnlySpan<byte> payload, byte flag = 0) => Frame(flag, (uint)payload.Length, payload);

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    /// <summary>A message of the method's type whose every field is hostile: never valid, so that none may reach the ledger.</summary>
    private static byte[] HostileMessage(Random random, string path)
    {
        var identity = new Identity { NomExercice = Pick(random, GarbageStrings), Prenom = Pick(random, GarbageStrings), Civilite = (Civilite)random.Next(-5, 10) };
        var exercise = new Exercise { Profession = Pick(random, GarbageStrings), CategorieProfessionnelle = Pick(random, GarbageStrings) };
        // The record id carries a NUL or is empty: the record is REJECTED whatever else parses.
        var recordId = random.Next(2) == 0 ? "" : "hostile\0" + random.Next();
        var version = random.Next(4) switch { 0 => long.MinValue, 1 => -1, 2 => 0, _ => long.MaxValue };
        IMessage message = path switch
        {
            "/cpx.intake.v1.OrdreIntake/StreamRegistrations" => new ProfessionalRegistration
            {
                RecordId = recordId, Version = version, Event = (RegistrationEvent)random.Next(-3, 9), Rpps = Pick(random, GarbageStrings), Identity = identity, Exercise = exercise,
            },
            "/cpx.intake.v1.ArsIntake/StreamAdeliRegistrations" => new AdeliRegistration
            {
                RecordId = recordId, Version = version, Event = (RegistrationEvent)random.Next(-3, 9), Adeli = Pick(random, GarbageStrings), Identity = identity, Exercise = exercise,
            },
            "/cpx.intake.v1.ArsIntake/StreamVisaDecisions" => new VisaDecision
            {
                RecordId = recordId, Version = version, OrderId = Pick(random, GarbageStrings), Decision = (VisaOutcome)random.Next(-3, 9), Reason = Pick(random, GarbageStrings),
            },
            _ => new HealthCheckRequest { Service = Pick(random, GarbageStrings) },
        };
        return message.ToByteArray();
    }

    /// <summary>Bytes that claim to be protobuf: random, malformed varints, huge declared lengths, deep nesting, wrong wire types.</summary>
    private static byte[] GarbageProtobuf(Random random)
    {
        switch (random.Next(7))
        {
            case 0:
                var bytes = new byte[random.Next(1, 300)];
                random.NextBytes(bytes);
                return bytes;
            case 1: return [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]; // an 11-byte varint
            case 2: return [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x41]; // a string field declaring 2 GB
            case 3:
                // 2,000 nested messages (identity inside identity…): past protobuf's recursion limit.
                var nested = new List<byte>();
                for (var i = 0; i < 2000; i++)
                {
                    nested.Add(0x2A);
                    nested.Add(0x80);
                }

                return [.. nested];
            case 4: return [0x0B, 0x0B, 0x0B, 0x0C]; // unterminated groups
            case 5: return [0x0F, 0x00]; // wire type 7
            default: return [0x0A, 0x03, 0xC3, 0x28, 0xFF]; // a string of invalid UTF-8
        }
    }

    private static byte[] Body(Random random, string path, int limit, out string description)
    {
        switch (random.Next(14))
        {
            case 0:
                description = "empty body";
                return [];
            case 1:
                description = "truncated frame header";
                return Frame(HostileMessage(random, path))[..random.Next(1, 5)];
            case 2:
            {
                var payload = HostileMessage(random, path);
                description = "declared length longer than what follows";
                return Frame(0, (uint)(payload.Length + random.Next(1, 1000)), payload);
            }
            case 3:
                description = "declared length over the receive limit";
                return Frame(0, random.Next(2) == 0 ? uint.MaxValue : (uint)limit + 1, new byte[random.Next(0, 64)]);
            case 4:
                description = "a message over the receive limit, sent whole";
                return Frame(new byte[limit + 1 + random.Next(1000)]);
            case 5:
                description = "garbage protobuf";
                return Frame(GarbageProtobuf(random));
            case 6:
                description = "compressed flag without a grpc-encoding";
                return Frame(HostileMessage(random, path), flag: 1);
            case 7:
                description = "reserved flag value";
                return Frame(HostileMessage(random, path), flag: (byte)random.Next(2, 256));
            case 8:
            {
                var frames = new List<byte>();
                for (var i = random.Next(2, 20); i > 0; i--)
                {
                    frames.AddRange(Frame(HostileMessage(random, path)));
                }

                frames.AddRange(Frame(GarbageProtobuf(random)));
                description = "hostile messages, then garbage";
                return [.. frames];
            }
            case 9:
            {
                var frames = Frame(HostileMessage(random, path)).Concat(Frame(HostileMessage(random, path))).ToArray();
                description = "two frames cut mid-message";
                return frames[..random.Next(6, frames.Length)];
            }
            default:
                description = "hostile message";
                return Frame(HostileMessage(random, path));
        }
    }

    private static Case Generate(Random random, int index, int limit)
    {
        var path = random.Next(20) == 0 ? Pick(random, OddPaths) : Paths[index % Paths.Length];
        var body = Body(random, path, limit, out var description);
        var caller = random.Next(10) switch
        {
            < 6 => path.Contains("ArsIntake", StringComparison.Ordinal) ? Caller.Ars : Caller.Ordre,
            < 8 => Caller.None,
            _ => path.Contains("ArsIntake", StringComparison.Ordinal) ? Caller.Ordre : Caller.Ars, // the other kind's source
        };
        var contentType = random.Next(12) switch
        {
            0 => "application/json",
            1 => "text/plain",
            2 => null,
            3 => "application/grpc+proto",
            4 => "application/grpc+json",
            5 => "application/grpc; charset=utf-8",
            _ => "application/grpc",
        };
        string? encoding = null;
        switch (random.Next(10))
        {
            case 0:
                encoding = "gzip"; // the body is not gzip
                body = Frame(GarbageProtobuf(random), flag: 1);
                description = "compressed flag with gzip, garbage inside";
                break;
            case 1:
                encoding = Pick(random, ["br", "snappy", "identity", "x-unknown", "gzip, deflate", new string('z', 300)]);
                if (random.Next(2) == 0)
                {
                    body = Frame(HostileMessage(random, path), flag: 1);
                }

                description += ", unknown grpc-encoding";
                break;
            case 2:
                encoding = "deflate";
                break;
        }

        string? timeout = random.Next(8) switch
        {
            0 => Pick(random, ["abc", "-1S", "99999999999H", "1", "S", "0n", "100000000000000000000m"]),
            _ => null,
        };
        // A valid Watch streams until its deadline: every Watch gets a short one, so that no case waits on the suite's bound.
        if (path.EndsWith("/Watch", StringComparison.Ordinal))
        {
            timeout = "300m";
        }

        var metadata = new List<KeyValuePair<string, string>>();
        var ending = Ending.Complete;
        switch (random.Next(25))
        {
            case 0:
                metadata.Add(new("x-huge", new string('m', random.Next(8_000, 15_000))));
                ending = Ending.OwnConnection;
                description += ", one large metadata value";
                break;
            case 1:
                for (var i = 0; i < 60; i++)
                {
                    metadata.Add(new($"x-many-{i}", new string('v', 200)));
                }

                ending = Ending.OwnConnection;
                description += ", many metadata entries";
                break;
            case 2:
                metadata.Add(new("x-over", new string('o', 40_000)));
                ending = Ending.OwnConnection;
                description += ", metadata over Kestrel's header limit";
                break;
            case 3:
            case 4:
                ending = Ending.Reset;
                description += ", stream reset mid-message";
                break;
            case 5:
                metadata.Add(new("grpc-status", "0"));
                metadata.Add(new("x-bin", "!!!not base64"));
                metadata.Add(new("x-odd-bin", "AAAA"));
                description += ", reserved and binary metadata";
                break;
        }

        return new Case(index, path, caller, contentType, encoding, timeout, metadata, body, ending, description);
    }

    /// <summary>Writes part of the body, then waits until the test resets the stream.</summary>
    private sealed class StallingContent(byte[] head) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(head, cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static string? GrpcStatus(HttpResponseMessage response) =>
        response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
        : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single()
        : null;

    private async Task<long> LedgerRowsAsync()
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT (SELECT count(*) FROM intake_records) + (SELECT count(*) FROM intake_applied_versions) + (SELECT count(*) FROM professionals) + (SELECT count(*) FROM orders)");
    }

    [Fact]
    public async Task Generated_malformed_gRPC_calls_get_a_gRPC_status_in_bounded_time_no_5xx_no_handler_failure_and_leave_the_ledger_unchanged()
    {
        var random = new Random(Seed);
        var cases = Enumerable.Range(0, Cases).Select(i => Generate(random, i, IntakeHost.MaxReceiveMessageSize)).ToList();
        var certificates = new Dictionary<Caller, X509Certificate2?>
        {
            [Caller.Ordre] = GrpcChannels.Organisation(IntakeHost.OrdreIdNatStruct, IntakeHost.CertificateName),
            [Caller.Ars] = GrpcChannels.Organisation(IntakeHost.ArsIdNatStruct, IntakeHost.CertificateName),
            [Caller.None] = null,
        };
        var clients = certificates.ToDictionary(c => c.Key, c => host.CreateClient(c.Value));
        var ledgerBefore = await LedgerRowsAsync();

        var failures = new ConcurrentBag<string>();
        var outcomes = new ConcurrentDictionary<string, int>();
        var slowest = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, _) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, c.Path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            request.Content = c.Ending == Ending.Reset ? new StallingContent(c.Body[..Math.Min(c.Body.Length, 3)]) : new ByteArrayContent(c.Body);
            if (c.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }

            request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
            if (c.Encoding is not null)
            {
                request.Headers.TryAddWithoutValidation("grpc-encoding", c.Encoding);
            }

            if (c.Timeout is not null)
            {
                request.Headers.TryAddWithoutValidation("grpc-timeout", c.Timeout);
            }

            foreach (var (key, value) in c.Metadata)
            {
                request.Headers.TryAddWithoutValidation(key, value);
            }

            // Metadata that may make Kestrel cut the connection travels on a connection of its own.
            using var own = c.Ending == Ending.OwnConnection ? host.CreateClient(certificates[c.Caller]) : null;
            var client = own ?? clients[c.Caller];
            using var bound = new CancellationTokenSource(c.Ending == Ending.Reset ? TimeSpan.FromMilliseconds(300) : PerCase);
            var started = Stopwatch.GetTimestamp();
            string outcome;
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, bound.Token);
                var status = GrpcStatus(response);
                var http = (int)response.StatusCode;
                outcome = status is null ? $"HTTP {http}" : $"status {status}";
                if (http >= 500)
                {
                    failures.Add($"HTTP {http} for {c}");
                }
                // A path that is not /service/method names no gRPC method at all: the HTTP 404 of any unknown path.
                else if (c.IsGrpc && c.Ending != Ending.OwnConnection && (http != 200 || status is null)
                         && !(http is >= 400 and < 500 && !Regex.IsMatch(c.Path, "^/[^/]+/[^/]+$")))
                {
                    failures.Add($"HTTP {http} without a gRPC status for {c}");
                }
                // grpc.health.v1 (unary Check, server-streaming Watch) is the package's service: Grpc.AspNetCore reads its
                // request before any interceptor runs and answers an unreadable one UNKNOWN, logging nothing (README, "The gRPC layer, authentication and health"; GarbageLogTests).
                else if (status == "2" && !c.Path.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal))
                {
                    failures.Add($"UNKNOWN (a handler failed) for {c}");
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException)
            {
                if (c.Ending == Ending.Reset)
                {
                    // The client resets this stream mid-message: whether its bound fired first, or the stream was torn
                    // down (a cancelled read on a busy machine) just before, the call ends without an answer by design.
                    outcome = bound.IsCancellationRequested ? "reset by the client" : "ended while the client reset it";
                }
                else if (c.Path.Contains("%00", StringComparison.Ordinal) && exception is HttpRequestException)
                {
                    // A NUL in the path: Kestrel refuses the request itself, before the service (README, "Limits"); on HTTP/2 a stream reset.
                    outcome = "stream reset by Kestrel";
                }
                else if (c.Ending == Ending.OwnConnection && exception is HttpRequestException)
                {
                    // Headers over Kestrel's limit: the client refuses to send them, or Kestrel cuts the connection.
                    outcome = "connection refused the headers";
                }
                else
                {
                    outcome = bound.IsCancellationRequested ? "no answer in time" : "no answer";
                    failures.Add($"{outcome} ({exception.GetType().Name}: {exception.InnerException?.Message ?? exception.Message}) for {c}");
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            lock (failures)
            {
                if (elapsed > slowest && c.Ending != Ending.Reset)
                {
                    slowest = elapsed;
                }
            }

            outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        });
        watch.Stop();

        var summary = $"{Cases} cases in {watch.Elapsed.TotalSeconds:F1} s, slowest {slowest.TotalMilliseconds:F0} ms; outcomes: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}×{o.Value}"))}";
        output.WriteLine("gRPC hostile suite: " + summary);
        var examples = failures.GroupBy(f => f[..f.IndexOf(" for ", StringComparison.Ordinal)]).SelectMany(g => g.Take(4));
        Assert.True(failures.IsEmpty, $"{failures.Count} of {Cases} cases failed, e.g.:\n{string.Join('\n', examples.Take(30))}\n{summary}");
        // The generator reaches the gRPC layer's refusals, not only the authentication's.
        Assert.Contains(outcomes.Keys, o => o == "status 13"); // INTERNAL: malformed frames
        Assert.Contains(outcomes.Keys, o => o == "status 8"); // RESOURCE_EXHAUSTED: over the receive limit
        Assert.Contains(outcomes.Keys, o => o == "status 16"); // UNAUTHENTICATED
        Assert.Contains(outcomes.Keys, o => o == "status 0"); // a hostile record REJECTED in an ack, the call ending OK

        Assert.Equal(ledgerBefore, await LedgerRowsAsync());

        // Still serving: health answers, and a valid record is accepted.
        using var anonymous = host.Channel(null);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await new global::Grpc.Health.V1.Health.HealthClient(anonymous).CheckAsync(new HealthCheckRequest())).Status);
        using var ordre = host.Channel(certificates[Caller.Ordre]);
        var acks = await ordre.StreamAsync(IntakeMethods.StreamRegistrations, [new ProfessionalRegistration
        {
            RecordId = "after-the-hostile-suite", Version = 1, Event = RegistrationEvent.Inscription, Rpps = CheckDigit.Luhn("1000000000"),
            Identity = new Identity { NomExercice = "DURAND", Prenom = "LEA" },
            Exercise = new Exercise { Profession = "60", CategorieProfessionnelle = "C" },
        }]);
        var ack = Assert.Single(acks);
        Assert.True(ack.Outcome == AckOutcome.Accepted, $"{ack.Outcome} {ack.ReasonCode} {ack.Field}");

        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
    }
}
