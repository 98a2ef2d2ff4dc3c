namespace CpxTeleservice.Security;

/// <summary>Why a certificate does not authenticate its caller. Each maps to one problem type.</summary>
public enum CertificateRefusal
{
    None,
    Missing,
    Untrusted,
    Expired,
    NotYetValid,
    NotForAuthentication,
    NotACard,
    UnknownCard,
    CardInOpposition,
    CardExpired,
    UnknownSource,
}
