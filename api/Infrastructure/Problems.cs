using CpxTeleservice.Security;
using Microsoft.AspNetCore.Mvc;

namespace CpxTeleservice.Infrastructure;

/// <summary>
/// The problem types (RFC 9457) the service returns. Each <c>type</c> is a relative URI under
/// <c>/problems/</c>; openapi.yaml lists every one with its meaning.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "/problems/";

    public const string CertificateRequired = Prefix + "certificate-required";
    public const string CertificateUntrusted = Prefix + "certificate-untrusted";
    public const string CertificateExpired = Prefix + "certificate-expired";
    public const string CertificateNotYetValid = Prefix + "certificate-not-yet-valid";
    public const string CertificateNotForAuthentication = Prefix + "certificate-not-for-authentication";
    public const string CertificateNotACard = Prefix + "certificate-not-a-card";
    public const string CardUnknown = Prefix + "card-unknown";
    public const string CardInOpposition = Prefix + "card-in-opposition";
    public const string CardExpired = Prefix + "card-expired";
    public const string Forbidden = Prefix + "forbidden";
    public const string NotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string Internal = Prefix + "internal";

    public static (string Type, string Title) ForRefusal(CertificateRefusal refusal) => refusal switch
    {
        CertificateRefusal.Missing => (CertificateRequired, "A client certificate is required"),
        CertificateRefusal.Untrusted => (CertificateUntrusted, "The certificate does not chain to a trusted authority"),
        CertificateRefusal.Expired => (CertificateExpired, "The certificate has expired"),
        CertificateRefusal.NotYetValid => (CertificateNotYetValid, "The certificate is not valid yet"),
        CertificateRefusal.NotForAuthentication => (CertificateNotForAuthentication, "The certificate is not an authentication certificate"),
        CertificateRefusal.NotACard => (CertificateNotACard, "The certificate is not a CPx card certificate"),
        CertificateRefusal.UnknownCard => (CardUnknown, "The card is not in the registry"),
        CertificateRefusal.CardInOpposition => (CardInOpposition, "The card is in opposition"),
        CertificateRefusal.CardExpired => (CardExpired, "The card has expired"),
        _ => (CertificateUntrusted, "The certificate is not accepted"),
    };

    /// <summary>The slug of each status code the framework produces without a body of ours.</summary>
    public static string? ForStatus(int status) => status switch
    {
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status403Forbidden => Forbidden,
        StatusCodes.Status500InternalServerError => Internal,
        _ => null,
    };
}

public static class ProblemWriter
{
    public static async Task WriteAsync(HttpContext context, int status, string type, string title, string? detail)
    {
        context.Response.StatusCode = status;
        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await service.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
    }
}
