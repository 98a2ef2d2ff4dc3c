using System.Security.Cryptography.X509Certificates;

namespace CpxTeleservice.Security;

/// <summary>
/// A set of trust anchors loaded from a PEM bundle: the self-signed certificates are the roots,
/// the others the intermediate CAs the chain may pass through. Nothing else is trusted: not the
/// system store, not a chain the client sends, not a certificate fetched from an AIA address.
/// </summary>
public sealed class TrustAnchorSet
{
    public TrustAnchorSet(IEnumerable<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? Roots : Intermediates).Add(certificate);
        }

        if (Roots.Count == 0)
        {
            throw new InvalidOperationException("A trust anchor bundle must hold at least one self-signed root certificate.");
        }
    }

    public X509Certificate2Collection Roots { get; } = [];
    public X509Certificate2Collection Intermediates { get; } = [];

    /// <summary>Whether <paramref name="certificate"/> is one of the bundle's certificates (root or intermediate).</summary>
    public bool Contains(X509Certificate2 certificate) =>
        Roots.Concat(Intermediates).Any(anchor => anchor.RawData.AsSpan().SequenceEqual(certificate.RawData));

    public static TrustAnchorSet LoadPem(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Trust anchor bundle '{path}' not found.", path);
        }

        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return new TrustAnchorSet(collection);
    }
}

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

public readonly record struct CertificateCheck(CertificateRefusal Refusal, string? Detail)
{
    public bool Passed => Refusal == CertificateRefusal.None;
    public static readonly CertificateCheck Ok = new(CertificateRefusal.None, null);
}

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
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(anchors.Roots);
            chain.ChainPolicy.ExtraStore.AddRange(anchors.Intermediates);
            // Opposition is enforced by the registry at every request; CRLs are not fetched here.
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
            chain.Build(certificate);

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
        }

        if (now < certificate.NotBefore.ToUniversalTime())
        {
            return new(CertificateRefusal.NotYetValid, $"The certificate is valid from {certificate.NotBefore.ToUniversalTime():O}.");
        }

        if (now > certificate.NotAfter.ToUniversalTime())
        {
            return new(CertificateRefusal.Expired, $"The certificate expired on {certificate.NotAfter.ToUniversalTime():O}.");
        }

        return CheckAuthenticationUsage(certificate);
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
