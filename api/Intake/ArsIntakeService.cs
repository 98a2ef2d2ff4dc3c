using CpxTeleservice.Intake.V1;
using Grpc.Core;

namespace CpxTeleservice.Intake;

/// <summary><c>cpx.intake.v1.ArsIntake</c>: ADELI registrations and visas, as <see cref="OrdreIntakeService"/>.</summary>
public sealed class ArsIntakeService(IntakeAuthenticator authenticator, IntakeBatcher batcher, IntakeLedger ledger) : ArsIntake.ArsIntakeBase
{
    public override async Task StreamAdeliRegistrations(IAsyncStreamReader<AdeliRegistration> requestStream, IServerStreamWriter<RegistrationAck> responseStream, ServerCallContext context)
    {
        var source = await authenticator.AuthenticateAsync(context, IntakeKind.Ars);
        await batcher.RunAsync(requestStream, responseStream, (batch, ct) => ledger.ProcessAsync(AdeliRegistrations.Kind, source, batch, ct), context.CancellationToken);
    }

    public override async Task StreamVisaDecisions(IAsyncStreamReader<VisaDecision> requestStream, IServerStreamWriter<VisaAck> responseStream, ServerCallContext context)
    {
        var source = await authenticator.AuthenticateAsync(context, IntakeKind.Ars);
        await batcher.RunAsync(requestStream, responseStream, (batch, ct) => ledger.ProcessAsync(VisaDecisions.Kind, source, batch, ct), context.CancellationToken);
    }
}
