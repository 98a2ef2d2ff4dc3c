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

    public static IEndpointRouteBuilder MapIntakeGrpc(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcBidiStreaming<ProfessionalRegistration, RegistrationAck>(OrdreIntakeService, "StreamRegistrations", StreamRegistrations);
        endpoints.MapGrpcBidiStreaming<AdeliRegistration, RegistrationAck>(ArsIntakeService, "StreamAdeliRegistrations", StreamAdeliRegistrations);
        endpoints.MapGrpcBidiStreaming<VisaDecision, VisaAck>(ArsIntakeService, "StreamVisaDecisions", StreamVisaDecisions);
        return endpoints;
    }

    private static Task<IntakeSource> AuthenticateAsync(ServerCallContext context, IntakeKind kind) =>
        context.GetHttpContext().RequestServices.GetRequiredService<IntakeAuthenticator>().AuthenticateAsync(context, kind);

    // Each call: authenticate the source, then batches of records, each committed before its acks are sent.

    private static Task StreamRegistrations(IAsyncStreamReader<ProfessionalRegistration> requests, IServerStreamWriter<RegistrationAck> responses, ServerCallContext context) =>
        RunAsync(requests, responses, context, IntakeKind.Ordre, (processor, source, batch, ct) => processor.ProcessRegistrationsAsync(source, batch, ct));

    private static Task StreamAdeliRegistrations(IAsyncStreamReader<AdeliRegistration> requests, IServerStreamWriter<RegistrationAck> responses, ServerCallContext context) =>
        RunAsync(requests, responses, context, IntakeKind.Ars, (processor, source, batch, ct) => processor.ProcessAdeliRegistrationsAsync(source, batch, ct));

    private static Task StreamVisaDecisions(IAsyncStreamReader<VisaDecision> requests, IServerStreamWriter<VisaAck> responses, ServerCallContext context) =>
        RunAsync(requests, responses, context, IntakeKind.Ars, (processor, source, batch, ct) => processor.ProcessVisaDecisionsAsync(source, batch, ct));

    private static async Task RunAsync<TRecord, TAck>(IAsyncStreamReader<TRecord> requests, IServerStreamWriter<TAck> responses, ServerCallContext context, IntakeKind kind,
        Func<IntakeProcessor, IntakeSource, IReadOnlyList<TRecord>, CancellationToken, Task<IReadOnlyList<TAck>>> process)
    {
        var source = await AuthenticateAsync(context, kind);
        var services = context.GetHttpContext().RequestServices;
        var processor = services.GetRequiredService<IntakeProcessor>();
        await services.GetRequiredService<IntakeBatcher>().RunAsync(requests, responses, (batch, ct) => process(processor, source, batch, ct), context.CancellationToken);
    }
}
