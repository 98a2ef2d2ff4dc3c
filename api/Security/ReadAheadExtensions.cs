namespace CpxTeleservice.Security;

public static class ReadAheadExtensions
{
    /// <summary>Lets authentication make this endpoint's first read in the registry check's round trip.</summary>
    public static RouteHandlerBuilder ReadAhead(this RouteHandlerBuilder endpoint, Func<HttpContext, string, ReadAhead?> plan) =>
        endpoint.WithMetadata(new AuthenticationReadAhead(plan));

    /// <summary>
    /// What authentication read ahead for this request, if it read with this very <paramref name="key"/>; null
    /// otherwise (nothing read ahead, or with other inputs), and the endpoint reads for itself.
    /// </summary>
    public static T? ReadAhead<T>(this HttpContext context, object key) where T : class =>
        context.Features.Get<ReadAheadResult>() is { } result && result.Key.Equals(key) ? result.Value as T : null;
}
