using CpxTeleservice.Intake.V1;
using Grpc.Core;

namespace CpxTeleservice.Intake;

/// <summary>
/// <c>cpx.intake.v1.OrdreIntake</c> (protos/cpx/intake/v1/intake.proto): the call authenticates its
/// source and checks its kind before it reads a record, then batches of records, each committed
/// before its acks are sent.
/// </summary>
public sealed class OrdreIntakeService(IntakeAuthenticator authenticator, IntakeBatcher batcher, IntakeLedger ledger) : OrdreIntake.OrdreIntakeBase
{
    public override async Task StreamRegistrations(IAsyncStreamReader<ProfessionalRegistration> requestStream, IServerStreamWriter<RegistrationAck> responseStream, ServerCallContext context)
    {
        var source = await authenticator.AuthenticateAsync(context, IntakeKind.Ordre);
        await batcher.RunAsync(requestStream, responseStream, (batch, ct) => ledger.ProcessAsync(Registrations.Kind, source, batch, ct), context.CancellationToken);
    }
}
