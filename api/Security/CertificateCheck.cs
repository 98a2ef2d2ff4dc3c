namespace CpxTeleservice.Security;

public readonly record struct CertificateCheck(CertificateRefusal Refusal, string? Detail)
{
    public bool Passed => Refusal == CertificateRefusal.None;
    public static readonly CertificateCheck Ok = new(CertificateRefusal.None, null);
}
