using CpxTeleservice.Bench.V1;
using CpxTeleservice.Intake.V1;
using Grpc.Core;

namespace CpxTeleservice.Bench;

/// <summary>The gRPC stack alone: one ACCEPTED ack per registration, no authentication, no database.</summary>
public sealed class BenchAckService : BenchAck.BenchAckBase
{
    public override async Task Ack(IAsyncStreamReader<ProfessionalRegistration> requestStream, IServerStreamWriter<RegistrationAck> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await responseStream.WriteAsync(new RegistrationAck { RecordId = requestStream.Current.RecordId, Outcome = AckOutcome.Accepted }, context.CancellationToken);
        }
    }
}
