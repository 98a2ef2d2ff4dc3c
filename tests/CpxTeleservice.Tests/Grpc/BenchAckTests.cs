using CpxTeleservice.Intake.V1;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Google.Protobuf;
using Grpc.Core;

namespace CpxTeleservice.Tests.Grpc;

/// <summary>A host configured as bench/run starts it: <c>Bench__BareEndpoint=true</c>.</summary>
public sealed class BenchHost : ServiceHost
{
    public BenchHost()
    {
        With("Bench:BareEndpoint", "true");
    }
}

/// <summary>
/// The benchmark's gRPC ceiling, <c>cpx.bench.v1.BenchAck/Ack</c>: one ACCEPTED ack per registration,
/// in order, and nothing else (bench/, BENCHMARKS.md). The host without the setting maps no bench route
/// (OpenApiTests).
/// </summary>
public class BenchAckTests(BenchHost host) : IClassFixture<BenchHost>
{
    private static Marshaller<T> For<T>(MessageParser<T> parser) where T : IMessage<T> => Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);

    private static readonly Method<ProfessionalRegistration, RegistrationAck> Ack = new(
        MethodType.DuplexStreaming, "cpx.bench.v1.BenchAck", "Ack", For(ProfessionalRegistration.Parser), For(RegistrationAck.Parser));

    [Fact]
    public async Task The_bench_ack_stream_answers_one_accepted_ack_per_registration_in_order_and_writes_nothing()
    {
        await using var connection = await host.Database.DataSource.OpenConnectionAsync();
        var ledgerBefore = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM intake_records");
        var records = Enumerable.Range(0, 300).Select(i => new ProfessionalRegistration { RecordId = $"bench-{i}", Version = 1, Rpps = "not checked" }).ToList();
        using var channel = host.Channel(null);

        var acks = await channel.StreamAsync(Ack, records);

        Assert.Equal(records.Select(r => r.RecordId), acks.Select(a => a.RecordId));
        Assert.All(acks, a => Assert.Equal(AckOutcome.Accepted, a.Outcome));
        Assert.Equal(ledgerBefore, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM intake_records"));
    }
}
