using CpxTeleservice.Grpc;
using CpxTeleservice.Intake.V1;

namespace CpxTeleservice.Intake;

/// <summary>
/// The intake services of protos/cpx/intake/v1/intake.proto. Each call authenticates its source and
/// checks the source's kind before it reads a record.
/// </summary>
public static class IntakeGrpc
{
    public const string OrdreIntakeService = "cpx.intake.v1.OrdreIntake";
    public const string ArsIntakeService = "cpx.intake.v1.ArsIntake";

    /// <summary>The reason code of every record while the intake semantics are not built.</summary>
    public const string NotImplementedReason = "not-implemented";

    public static IEndpointRouteBuilder MapIntakeGrpc(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcBidiStreaming<ProfessionalRegistration, RegistrationAck>(OrdreIntakeService, "StreamRegistrations", StreamRegistrations);
        endpoints.MapGrpcBidiStreaming<AdeliRegistration, RegistrationAck>(ArsIntakeService, "StreamAdeliRegistrations", StreamAdeliRegistrations);
        endpoints.MapGrpcBidiStreaming<VisaDecision, VisaAck>(ArsIntakeService, "StreamVisaDecisions", StreamVisaDecisions);
        return endpoints;
    }

    private static Task<IntakeSource> AuthenticateAsync(ServerCallContext context, IntakeKind kind) =>
        context.GetHttpContext().RequestServices.GetRequiredService<IntakeAuthenticator>().AuthenticateAsync(context, kind);

    // PLACEHOLDER (issue 4): the intake semantics (effects committed before the ack, duplicates, stale
    // versions, per-record validation) replace the three bodies below. Until then every record is
    // answered REJECTED "not-implemented", in order, one ack per record, so that the transport,
    // authentication and streaming can be exercised by real clients.

    private static async Task StreamRegistrations(IAsyncStreamReader<ProfessionalRegistration> requests, IServerStreamWriter<RegistrationAck> responses, ServerCallContext context)
    {
        await AuthenticateAsync(context, IntakeKind.Ordre);
        await foreach (var record in requests.ReadAllAsync(context.CancellationToken))
        {
            await responses.WriteAsync(new RegistrationAck { RecordId = record.RecordId, Version = record.Version, Outcome = AckOutcome.Rejected, ReasonCode = NotImplementedReason });
        }
    }

    private static async Task StreamAdeliRegistrations(IAsyncStreamReader<AdeliRegistration> requests, IServerStreamWriter<RegistrationAck> responses, ServerCallContext context)
    {
        await AuthenticateAsync(context, IntakeKind.Ars);
        await foreach (var record in requests.ReadAllAsync(context.CancellationToken))
        {
            await responses.WriteAsync(new RegistrationAck { RecordId = record.RecordId, Version = record.Version, Outcome = AckOutcome.Rejected, ReasonCode = NotImplementedReason });
        }
    }

    private static async Task StreamVisaDecisions(IAsyncStreamReader<VisaDecision> requests, IServerStreamWriter<VisaAck> responses, ServerCallContext context)
    {
        await AuthenticateAsync(context, IntakeKind.Ars);
        await foreach (var record in requests.ReadAllAsync(context.CancellationToken))
        {
            await responses.WriteAsync(new VisaAck { RecordId = record.RecordId, Version = record.Version, Outcome = AckOutcome.Rejected, ReasonCode = NotImplementedReason });
        }
    }
}
