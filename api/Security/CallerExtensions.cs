namespace CpxTeleservice.Security;

public static class CallerExtensions
{
    /// <summary>The authenticated caller; endpoints behind authorization always have one.</summary>
    public static Caller Caller(this HttpContext context) =>
        context.Features.Get<Caller>() ?? throw new InvalidOperationException("No authenticated caller on this request.");
}
