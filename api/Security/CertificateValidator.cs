using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Security;

/// <summary>
/// The cryptographic half of authentication (contract.md, Identity): chain to the configured anchors,
/// validity period, key usage digitalSignature and EKU clientAuth. The registry half is the handler's.
/// </summary>
public static class CertificateValidator
{
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public static CertificateCheck Validate(X509Certificate2 certificate, TrustAnchorSet anchors, DateTimeOffset now)
    {
        // The chain first: a certificate from elsewhere is untrusted, whatever its dates say.
        return CheckChain(certificate, anchors, now) ?? CheckValidityPeriod(certificate, now) ?? CheckAuthenticationUsage(certificate);
    }

    /// <summary>The chain built to the configured anchors and nothing else; null when it is trusted.</summary>
    private static CertificateCheck? CheckChain(X509Certificate2 certificate, TrustAnchorSet anchors, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors.Roots);
        chain.ChainPolicy.ExtraStore.AddRange(anchors.Intermediates);
        // Opposition is enforced by the registry at every request; CRLs are not fetched here.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.Build(certificate);
        return CheckChainStatus(chain) ?? CheckAnchors(chain, anchors);
    }

    /// <summary>Every element of the chain, and the chain as a whole, without an error (but the leaf's own dates).</summary>
    private static CertificateCheck? CheckChainStatus(X509Chain chain)
    {
        for (var i = 0; i < chain.ChainElements.Count; i++)
        {
            foreach (var status in chain.ChainElements[i].ChainElementStatus)
            {
                // The leaf's own dates are reported below with their own reason.
                if (i == 0 && status.Status == X509ChainStatusFlags.NotTimeValid)
                {
                    continue;
                }

                if (status.Status != X509ChainStatusFlags.NoError)
                {
                    return new(CertificateRefusal.Untrusted, $"{status.Status}: {status.StatusInformation.Trim()}");
                }
            }
        }

        foreach (var status in chain.ChainStatus)
        {
            if (status.Status is not (X509ChainStatusFlags.NoError or X509ChainStatusFlags.NotTimeValid))
            {
                return new(CertificateRefusal.Untrusted, $"{status.Status}: {status.StatusInformation.Trim()}");
            }
        }

        return null;
    }

    /// <summary>The chain ends at a configured root, through a configured issuing CA.</summary>
    private static CertificateCheck? CheckAnchors(X509Chain chain, TrustAnchorSet anchors)
    {
        var top = chain.ChainElements[^1].Certificate;
        if (!anchors.Roots.Contains(top))
        {
            return new(CertificateRefusal.Untrusted, "The chain does not end at a configured trust anchor.");
        }

        // Trust exactly what is configured: the certificate's own issuer is one of the bundle's CAs,
        // whatever other CA under the same root the chain engine might find elsewhere.
        if (chain.ChainElements.Count < 2 || !anchors.Contains(chain.ChainElements[1].Certificate))
        {
            return new(CertificateRefusal.Untrusted, "The certificate is not issued by a configured CA.");
        }

        return null;
    }

    /// <summary>The leaf's own dates; null when <paramref name="now"/> is within them.</summary>
    private static CertificateCheck? CheckValidityPeriod(X509Certificate2 certificate, DateTimeOffset now)
    {
        if (now < certificate.NotBefore.ToUniversalTime())
        {
            return new(CertificateRefusal.NotYetValid, $"The certificate is valid from {certificate.NotBefore.ToUniversalTime():O}.");
        }

        if (now > certificate.NotAfter.ToUniversalTime())
        {
            return new(CertificateRefusal.Expired, $"The certificate expired on {certificate.NotAfter.ToUniversalTime():O}.");
        }

        return null;
    }

    /// <summary>
    /// Key usage digitalSignature and EKU clientAuth, both required. X509Chain checks an EKU it is
    /// asked for but never key usage: a signature certificate (nonRepudiation) is caught here.
    /// </summary>
    public static CertificateCheck CheckAuthenticationUsage(X509Certificate2 certificate)
    {
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (keyUsage is null || !keyUsage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return new(CertificateRefusal.NotForAuthentication,
                $"Key usage is {keyUsage?.KeyUsages.ToString() ?? "absent"}; an authentication certificate has digitalSignature.");
        }

        var enhanced = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (enhanced is null || !enhanced.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ClientAuthOid))
        {
            return new(CertificateRefusal.NotForAuthentication, "The extended key usage does not include clientAuth.");
        }

        return CertificateCheck.Ok;
    }
}
