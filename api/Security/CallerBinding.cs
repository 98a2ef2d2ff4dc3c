namespace CpxTeleservice.Security;

/// <summary>The caller as a handler parameter: the card that authenticated the request.</summary>
public sealed partial record Caller
{
    /// <summary>Endpoints behind authorization always have a caller; one without is a server error, not a client's.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) => ValueTask.FromResult<Caller?>(context.Caller());
}
