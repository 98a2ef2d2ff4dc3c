namespace CpxTeleservice.Security;

/// <summary>
/// Endpoint metadata: the read an endpoint would make first, planned from the request and the IdNat the certificate
/// names, or null when the request is one to leave to the endpoint (an input it would refuse, an export).
/// </summary>
public sealed class AuthenticationReadAhead(Func<HttpContext, string, ReadAhead?> plan)
{
    public ReadAhead? Plan(HttpContext context, string idNat) => plan(context, idNat);
}
