using CpxTeleservice.Infrastructure;

namespace CpxTeleservice.Security;

/// <summary>The problem type (openapi.yaml) and title that answer each refusal of a certificate.</summary>
public static class RefusalProblems
{
    public static (string Type, string Title) For(CertificateRefusal refusal) => refusal switch
    {
        CertificateRefusal.Missing => (ProblemTypes.CertificateRequired, "A client certificate is required"),
        CertificateRefusal.Untrusted => (ProblemTypes.CertificateUntrusted, "The certificate does not chain to a trusted authority"),
        CertificateRefusal.Expired => (ProblemTypes.CertificateExpired, "The certificate has expired"),
        CertificateRefusal.NotYetValid => (ProblemTypes.CertificateNotYetValid, "The certificate is not valid yet"),
        CertificateRefusal.NotForAuthentication => (ProblemTypes.CertificateNotForAuthentication, "The certificate is not an authentication certificate"),
        CertificateRefusal.NotACard => (ProblemTypes.CertificateNotACard, "The certificate is not a CPx card certificate"),
        CertificateRefusal.UnknownCard => (ProblemTypes.CardUnknown, "The card is not in the registry"),
        CertificateRefusal.CardInOpposition => (ProblemTypes.CardInOpposition, "The card is in opposition"),
        CertificateRefusal.CardExpired => (ProblemTypes.CardExpired, "The card has expired"),
        _ => (ProblemTypes.CertificateUntrusted, "The certificate is not accepted"),
    };
}
