using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using CpxTeleservice.Audit;
using Grpc.Core;
using CpxTeleservice.Infrastructure;
using CpxTeleservice.Security;

namespace CpxTeleservice.Intake;

public static class IntakeCallContextExtensions
{
    /// <summary>The source an authenticated intake call speaks for.</summary>
    public static IntakeSource IntakeSource(this ServerCallContext context) =>
        context.UserState.TryGetValue(typeof(IntakeSource), out var source) && source is IntakeSource found
            ? found
            : throw new InvalidOperationException("The call was not authenticated as an intake source.");
}
