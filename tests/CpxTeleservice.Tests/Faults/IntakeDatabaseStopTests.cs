using CpxTeleservice.Intake;
using CpxTeleservice.Intake.V1;
using CpxTeleservice.Tests.Grpc;
using CpxTeleservice.Tests.Infrastructure;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit.Abstractions;

namespace CpxTeleservice.Tests.Faults;

/// <summary>
/// PostgreSQL stopped (fast mode, as a restart or a failover stops it) while an Ordre streams
/// registrations over the real TLS port: the stream ends UNAVAILABLE, what was acked is committed and
/// nothing else is, and the whole stream resent once PostgreSQL is back applies each record once.
/// </summary>
[Collection(nameof(OneFaultAtATime))]
public class IntakeDatabaseStopTests(OwnClusterHost host, ITestOutputHelper output) : IClassFixture<OwnClusterHost>
{
    private const int Records = 3_000;

    /// <summary>How far the client runs ahead of its acks: records are in flight when PostgreSQL stops.</summary>
    private const int InFlight = 200;

    /// <summary>PostgreSQL is stopped once this many acks are in.</summary>
    private const int StopAfterAcks = 300;

    [Fact]
    public async Task PostgreSQL_stopped_in_the_middle_of_an_intake_stream_ends_it_UNAVAILABLE_with_every_acked_record_committed_and_a_resend_DUPLICATE_for_exactly_those()
    {
        var prefix = "stop-" + Guid.NewGuid().ToString("N")[..8] + "-";
        var records = Enumerable.Range(0, Records).Select(i => Registration(prefix + i, CheckDigit.Luhn((3_000_000_000L + i).ToString()))).ToList();
        using var certificate = GrpcChannels.Organisation(OwnClusterHost.OrdreIdNatStruct, OwnClusterHost.CertificateName);

        var (acked, end) = await StreamUntilStoppedAsync(certificate, records);

        Assert.True(end is not null, $"the stream ended without an error after {acked.Count} acks: PostgreSQL was stopped too late");
        Assert.Equal(StatusCode.Unavailable, end.StatusCode);
        Assert.Equal(HandlerFailureInterceptor.UnavailableMessage, end.Status.Detail);
        Assert.InRange(acked.Count, StopAfterAcks, Records - 1);
        Assert.Equal(records.Take(acked.Count).Select(r => r.RecordId), acked.Select(a => a.RecordId));
        Assert.All(acked, a => Assert.Equal(AckOutcome.Accepted, a.Outcome));

        await host.Cluster.StartServerAsync();
        // The test's own pool held connections to the stopped server.
        host.Database.DataSource.Clear();

        // Every acked record is committed, with the order its ack named; no record without an ack is.
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            var applied = (await connection.QueryAsync<(string RecordId, Guid? OrderId)>(
                """
                SELECT a.record_id, a.order_id FROM intake_applied_versions a
                WHERE a.source = @source AND a.stream = 'registrations' AND a.record_id LIKE @prefix || '%'
                """, new { source = OwnClusterHost.OrdreIdNatStruct, prefix })).ToDictionary(r => r.RecordId, r => r.OrderId);
            Assert.Equal(acked.Select(a => a.RecordId).Order(), applied.Keys.Order());
            Assert.All(acked, a => Assert.Equal(a.OrderId, applied[a.RecordId]?.ToString()));
            Assert.Equal(acked.Count, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM orders WHERE id = ANY(@ids)", new { ids = acked.Select(a => Guid.Parse(a.OrderId)).ToArray() }));
        }

        // The client resends everything from its first record, on a new connection: the service reconnected by itself.
        using var again = host.Channel(certificate);
        var resent = await again.StreamAsync(IntakeMethods.StreamRegistrations, records);

        Assert.Equal(records.Select(r => r.RecordId), resent.Select(a => a.RecordId));
        var ackedIds = acked.Select(a => a.RecordId).ToHashSet();
        Assert.Equal(acked.Count, resent.Count(a => a.Outcome == AckOutcome.Duplicate));
        Assert.Equal(Records - acked.Count, resent.Count(a => a.Outcome == AckOutcome.Accepted));
        Assert.All(resent, a => Assert.Equal(ackedIds.Contains(a.RecordId) ? AckOutcome.Duplicate : AckOutcome.Accepted, a.Outcome));
        var firstOrders = acked.ToDictionary(a => a.RecordId, a => a.OrderId);
        Assert.All(resent.Where(a => a.Outcome == AckOutcome.Duplicate), a => Assert.Equal(firstOrders[a.RecordId], a.OrderId));

        output.WriteLine($"{acked.Count} of {Records} records acked before the stream ended {end.StatusCode}; resent: " +
            $"{resent.Count(a => a.Outcome == AckOutcome.Duplicate)} DUPLICATE, {resent.Count(a => a.Outcome == AckOutcome.Accepted)} ACCEPTED");

        // One application and one order per record, nothing doubled.
        await using (var connection = await host.Database.DataSource.OpenConnectionAsync())
        {
            Assert.Equal(Records, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM intake_applied_versions WHERE source = @source AND stream = 'registrations' AND record_id LIKE @prefix || '%'",
                new { source = OwnClusterHost.OrdreIdNatStruct, prefix }));
            var orderIds = resent.Select(a => Guid.Parse(a.OrderId)).ToArray();
            Assert.Equal(Records, orderIds.Distinct().Count());
            Assert.Equal(Records, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM orders o JOIN persons p ON p.id = o.holder_id WHERE p.id_nat = ANY(@idNats)",
                new { idNats = records.Select(r => "8" + r.Rpps).ToArray() }));
        }
    }

    /// <summary>
    /// Streams the records, at most <see cref="InFlight"/> ahead of their acks, and stops PostgreSQL once
    /// <see cref="StopAfterAcks"/> acks are in; the client sends no record past the window until the stop
    /// is under way, so the stream cannot end first. Returns the acks and the status the stream ended with.
    /// </summary>
    private async Task<(List<RegistrationAck> Acks, RpcException? End)> StreamUntilStoppedAsync(
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, List<ProfessionalRegistration> records)
    {
        var acks = new List<RegistrationAck>();
        using var credits = new SemaphoreSlim(InFlight);
        var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var channel = host.Channel(certificate);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(IntakeMethods.StreamRegistrations, null,
            new CallOptions(deadline: DateTime.UtcNow.AddSeconds(90)));
        using var stopWriting = new CancellationTokenSource();

        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var ack in call.ResponseStream.ReadAllAsync())
                {
                    lock (acks)
                    {
                        acks.Add(ack);
                        if (acks.Count >= StopAfterAcks)
                        {
                            enoughAcks.TrySetResult();
                        }
                    }

                    credits.Release();
                }

                return (RpcException?)null;
            }
            catch (RpcException exception)
            {
                return exception;
            }
            finally
            {
                enoughAcks.TrySetResult();
                await stopWriting.CancelAsync();
            }
        });
        var writing = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < records.Count; i++)
                {
                    await credits.WaitAsync(stopWriting.Token);
                    if (i == StopAfterAcks + InFlight)
                    {
                        await stopping.Task.WaitAsync(stopWriting.Token);
                    }

                    await call.RequestStream.WriteAsync(records[i], stopWriting.Token);
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (Exception)
            {
                // The call ended (or the reader stopped the writer): its status is what the reader saw.
            }
        });

        await enoughAcks.Task;
        stopping.TrySetResult();
        await host.Cluster.StopServerAsync();
        var end = await reading;
        await writing;
        lock (acks)
        {
            return ([.. acks], end);
        }
    }

    private static ProfessionalRegistration Registration(string recordId, string rpps)
    {
        var address = new Address { CodePostal = "75002", Commune = "PARIS", Departement = "75", Lines = { "1 RUE DE LA PAIX" } };
        return new ProfessionalRegistration
        {
            RecordId = recordId, Version = 1, Event = RegistrationEvent.Inscription, Rpps = rpps,
            Identity = new Identity { NomExercice = "SOIGNANT", Prenom = "ALEX", Civilite = Civilite.Mme },
            Exercise = new Exercise
            {
                Profession = "60", CategorieProfessionnelle = "C", ModeExercice = "L",
                Place = new PlaceOfExercise { RaisonSociale = "CABINET", Address = address },
            },
            CorrespondenceAddress = address.Clone(),
            TransmittedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 4, 30, 8, 0, 0, TimeSpan.Zero)),
        };
    }
}
